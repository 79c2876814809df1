# Python 2.7. Starts wstest (autobahntestsuite) unchanged, except that every
# port it listens on is bound to the loopback interface only: the fuzzing
# server and report server otherwise listen on all interfaces.
import os
import sys

# wstest picks its reactor on import; this import must come before `reactor`.
import autobahntestsuite.choosereactor  # noqa: F401
from twisted.internet import reactor

LOOPBACK = os.environ.get('WSFRAME_AUTOBAHN_BIND', '127.0.0.1')
_listen_tcp = reactor.listenTCP


def listen_tcp_on_loopback(port, factory, backlog=50, interface=''):
    return _listen_tcp(port, factory, backlog, interface or LOOPBACK)


reactor.listenTCP = listen_tcp_on_loopback

from autobahntestsuite.wstest import run  # noqa: E402

if __name__ == '__main__':
    sys.argv[0] = 'wstest'
    run()
