//! Options and arguments read from JS values, and results built as JS
//! objects, by hand. The codec's calls are few and cold, and serde's
//! generated code for them (visitors, field matchers, its error texts and
//! the float formatting they pull in) was most of the codec build.

use super::{invalid_argument, whole_number};
use crate::deflate::DeflateParams;
use crate::handshake::{Extension, ExtensionParam};
use js_sys::{Array, Object, Uint8Array};
use std::cell::RefCell;
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};

#[wasm_bindgen]
extern "C" {
    /// An object read and written by key as `o[key]`: `Reflect`'s bindings
    /// wrap each call in an exception handler, which costs more than the
    /// access itself.
    #[wasm_bindgen(extends = Object)]
    type Keyed;
    #[wasm_bindgen(method, structural, indexing_getter)]
    fn get(this: &Keyed, key: &JsValue) -> JsValue;
    #[wasm_bindgen(method, structural, indexing_setter)]
    fn set(this: &Keyed, key: &JsValue, value: &JsValue);
}

thread_local! {
    /// The JS strings of the field names used here, made once: a short
    /// string decoded out of wasm memory costs more than the whole lookup.
    /// (A few dozen names: a list searched by address is enough.)
    static NAMES: RefCell<Vec<(&'static str, JsValue)>> = const { RefCell::new(Vec::new()) };
}

/// The JS string of a field name. (A copy of the handle: nothing here may
/// call into JS while the list is borrowed, since a throwing getter would
/// leave it borrowed for good.)
fn name_js(name: &'static str) -> JsValue {
    NAMES.with(|names| {
        let mut names = names.borrow_mut();
        match names.iter().find(|(known, _)| std::ptr::eq(*known, name)) {
            Some((_, js)) => js.clone(),
            None => {
                let js = JsValue::from_str(name);
                names.push((name, js.clone()));
                js
            }
        }
    })
}

fn get(object: &Object, name: &'static str) -> JsValue {
    object.unchecked_ref::<Keyed>().get(&name_js(name))
}

/// The named fields of one JS object argument.
pub(crate) struct Fields {
    object: Option<Object>,
    /// The values of the known names, read once (options objects only).
    known: Vec<(&'static str, JsValue)>,
    /// What the argument is, for error messages ("options", "request").
    what: &'static str,
}

fn quoted_list(names: &[&str]) -> String {
    let mut out = String::new();
    for (i, name) in names.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push('`');
        out.push_str(name);
        out.push('`');
    }
    out
}

impl Fields {
    /// An options object: `undefined` or `null` for none, otherwise an object
    /// whose own names are all `known`, so that a misspelt limit is an error
    /// instead of a limit silently left at its default.
    pub(crate) fn options(
        value: &JsValue,
        what: &'static str,
        known: &[&'static str],
    ) -> Result<Fields, JsValue> {
        let mut fields = Fields {
            object: None,
            known: Vec::new(),
            what,
        };
        if value.is_undefined() || value.is_null() {
            return Ok(fields);
        }
        let object = Fields::record(value, what)?.object.unwrap_or_default();
        fields.known = known.iter().map(|&name| (name, get(&object, name))).collect();
        let given = fields.known.iter().filter(|(_, v)| !v.is_undefined()).count();
        // More names than known ones with a value: one is unknown (unless a
        // known one was given as `undefined`). Only then are names decoded.
        if Object::keys(&object).length() as usize > given {
            for key in Object::keys(&object).iter() {
                let name = key.as_string().unwrap_or_default();
                if !known.contains(&name.as_str()) {
                    return Err(invalid_argument(format!(
                        "{what}: unknown field `{name}`, expected one of {}",
                        quoted_list(known)
                    )));
                }
            }
        }
        fields.object = Some(object);
        Ok(fields)
    }

    /// An object read for the names it needs; others are ignored (a request
    /// object handed back with its `rest`, say).
    pub(crate) fn record(value: &JsValue, what: &'static str) -> Result<Fields, JsValue> {
        if !value.is_object() || Array::is_array(value) {
            return Err(invalid_argument(format!("{what}: expected an object")));
        }
        Ok(Fields {
            object: Some(value.clone().unchecked_into()),
            known: Vec::new(),
            what,
        })
    }

    fn type_error(&self, name: &'static str, expected: &str) -> JsValue {
        invalid_argument(format!("{}: `{name}` must be {expected}", self.what))
    }

    /// The field's value; `undefined` when absent.
    pub(crate) fn raw(&self, name: &'static str) -> JsValue {
        if let Some((_, value)) = self.known.iter().find(|(known, _)| *known == name) {
            return value.clone();
        }
        self.object.as_ref().map_or(JsValue::UNDEFINED, |o| get(o, name))
    }

    /// The field's value, `None` when absent, `undefined` or `null`.
    pub(crate) fn value(&self, name: &'static str) -> Option<JsValue> {
        let value = self.raw(name);
        (!value.is_undefined() && !value.is_null()).then_some(value)
    }

    fn required(&self, name: &'static str) -> Result<JsValue, JsValue> {
        self.value(name)
            .ok_or_else(|| invalid_argument(format!("{}: missing field `{name}`", self.what)))
    }

    pub(crate) fn string(&self, name: &'static str) -> Result<Option<String>, JsValue> {
        self.value(name)
            .map(|v| v.as_string().ok_or_else(|| self.type_error(name, "a string")))
            .transpose()
    }

    pub(crate) fn required_string(&self, name: &'static str) -> Result<String, JsValue> {
        self.required(name)?
            .as_string()
            .ok_or_else(|| self.type_error(name, "a string"))
    }

    pub(crate) fn bool(&self, name: &'static str) -> Result<Option<bool>, JsValue> {
        self.value(name)
            .map(|v| v.as_bool().ok_or_else(|| self.type_error(name, "a boolean")))
            .transpose()
    }

    /// A non-negative integer that fits `T`.
    pub(crate) fn uint<T: TryFrom<u64>>(&self, name: &'static str) -> Result<Option<T>, JsValue> {
        self.value(name)
            .map(|v| {
                v.as_f64()
                    .and_then(whole_number)
                    .and_then(|n| T::try_from(n).ok())
                    .ok_or_else(|| self.type_error(name, "a non-negative integer in range"))
            })
            .transpose()
    }

    pub(crate) fn strings(&self, name: &'static str) -> Result<Option<Vec<String>>, JsValue> {
        self.value(name)
            .map(|v| string_list(&v).ok_or_else(|| self.type_error(name, "an array of strings")))
            .transpose()
    }

    pub(crate) fn required_strings(&self, name: &'static str) -> Result<Vec<String>, JsValue> {
        string_list(&self.required(name)?).ok_or_else(|| self.type_error(name, "an array of strings"))
    }

    /// Headers as `[name, value]` pairs, or as names and values in turn
    /// (Node's `rawHeaders`).
    pub(crate) fn required_header_list(&self, name: &'static str) -> Result<Vec<(String, String)>, JsValue> {
        let value = self.required(name)?;
        let list = match array(&value) {
            Some(list) if list.get(0).is_string() => alternating_pairs(list),
            _ => string_pairs(&value),
        };
        list.ok_or_else(|| {
            self.type_error(
                name,
                "an array of [name, value] string pairs, or of names and values in turn",
            )
        })
    }

    /// Headers as `[name, value]` pairs or as an object of names to values.
    pub(crate) fn headers(&self, name: &'static str) -> Result<Option<Vec<(String, String)>>, JsValue> {
        self.value(name)
            .map(|v| {
                headers(&v).ok_or_else(|| {
                    self.type_error(name, "[name, value] string pairs or an object of strings")
                })
            })
            .transpose()
    }

    /// Field `name`'s `value`, already read, as extensions: `{ name, params:
    /// [{ name, value }] }` objects.
    pub(crate) fn extension_list(
        &self,
        name: &'static str,
        value: &JsValue,
    ) -> Result<Vec<Extension>, JsValue> {
        extensions(value).ok_or_else(|| self.type_error(name, "an array of { name, params }"))
    }

    pub(crate) fn required_extension_list(&self, name: &'static str) -> Result<Vec<Extension>, JsValue> {
        self.extension_list(name, &self.required(name)?)
    }
}

/// A bare headers argument (pairs or an object); `None` when absent.
pub(crate) fn headers_arg(value: &JsValue, what: &str) -> Result<Option<Vec<(String, String)>>, JsValue> {
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    headers(value).map(Some).ok_or_else(|| {
        invalid_argument(format!(
            "{what}: must be [name, value] string pairs or an object of strings"
        ))
    })
}

/// A bare argument of `[name, value]` string pairs.
pub(crate) fn pairs_arg(value: &JsValue, what: &str) -> Result<Vec<(String, String)>, JsValue> {
    string_pairs(value)
        .ok_or_else(|| invalid_argument(format!("{what}: must be an array of [name, value] string pairs")))
}

fn array(value: &JsValue) -> Option<&Array> {
    Array::is_array(value).then(|| value.unchecked_ref::<Array>())
}

/// An array of strings.
pub(crate) fn string_list(value: &JsValue) -> Option<Vec<String>> {
    array(value)?.iter().map(|v| v.as_string()).collect()
}

/// An array of `[name, value]` string pairs.
pub(crate) fn string_pairs(value: &JsValue) -> Option<Vec<(String, String)>> {
    array(value)?
        .iter()
        .map(|pair| match string_list(&pair)?.as_slice() {
            [name, value] => Some((name.clone(), value.clone())),
            _ => None,
        })
        .collect()
}

/// `[name, value, name, value, …]` as pairs: an even number of strings.
fn alternating_pairs(list: &Array) -> Option<Vec<(String, String)>> {
    if list.length() % 2 != 0 {
        return None;
    }
    let mut strings = list.iter().map(|v| v.as_string());
    let mut pairs = Vec::with_capacity(list.length() as usize / 2);
    while let Some(name) = strings.next() {
        pairs.push((name?, strings.next()??));
    }
    Some(pairs)
}

/// Pairs, or an object's own names and string values in their order.
fn headers(value: &JsValue) -> Option<Vec<(String, String)>> {
    if Array::is_array(value) {
        return string_pairs(value);
    }
    if !value.is_object() {
        return None;
    }
    Object::entries(value.unchecked_ref())
        .iter()
        .map(|entry| {
            let entry: Array = entry.unchecked_into();
            Some((entry.get(0).as_string()?, entry.get(1).as_string()?))
        })
        .collect()
}

/// `[{ name, params?: [{ name, value? }] }]`.
pub(crate) fn extensions(value: &JsValue) -> Option<Vec<Extension>> {
    array(value)?
        .iter()
        .map(|item| {
            let item = Fields::record(&item, "extension").ok()?;
            let params = match item.value("params") {
                None => Vec::new(),
                Some(list) => array(&list)?
                    .iter()
                    .map(|param| {
                        let param = Fields::record(&param, "extension").ok()?;
                        Some(ExtensionParam {
                            name: param.string("name").ok()??,
                            value: param.string("value").ok()?,
                        })
                    })
                    .collect::<Option<_>>()?,
            };
            Some(Extension {
                name: item.string("name").ok()??,
                params,
            })
        })
        .collect()
}

/// A plain object built field by field.
pub(crate) struct Obj(Object);

impl Obj {
    pub(crate) fn new() -> Self {
        Obj(Object::new())
    }

    pub(crate) fn set(self, key: &'static str, value: impl Into<JsValue>) -> Self {
        self.0.unchecked_ref::<Keyed>().set(&name_js(key), &value.into());
        self
    }

    /// `undefined` for `None`, as the field of an object that may lack it.
    pub(crate) fn optional(self, key: &'static str, value: Option<&str>) -> Self {
        self.set(key, value.map_or(JsValue::UNDEFINED, JsValue::from_str))
    }

    pub(crate) fn done(self) -> JsValue {
        self.0.into()
    }
}

pub(crate) fn strings_js(list: &[String]) -> JsValue {
    list.iter()
        .map(|s| JsValue::from_str(s))
        .collect::<Array>()
        .into()
}

pub(crate) fn pairs_js(pairs: &[(String, String)]) -> JsValue {
    pairs
        .iter()
        .map(|(name, value)| {
            // (`Array.of` is several times slower than this in V8.)
            let pair = Array::new_with_length(2);
            pair.set(0, JsValue::from_str(name));
            pair.set(1, JsValue::from_str(value));
            pair
        })
        .collect::<Array>()
        .into()
}

pub(crate) fn extensions_js(list: &[Extension]) -> JsValue {
    list.iter()
        .map(|extension| {
            let params: Array = extension
                .params
                .iter()
                .map(|p| {
                    Obj::new()
                        .set("name", p.name.as_str())
                        .optional("value", p.value.as_deref())
                        .done()
                })
                .collect();
            Obj::new()
                .set("name", extension.name.as_str())
                .set("params", params)
                .done()
        })
        .collect::<Array>()
        .into()
}

pub(crate) fn deflate_params_js(params: &DeflateParams) -> JsValue {
    Obj::new()
        .set("serverNoContextTakeover", params.server_no_context_takeover)
        .set("clientNoContextTakeover", params.client_no_context_takeover)
        .set("serverMaxWindowBits", params.server_max_window_bits)
        .set("clientMaxWindowBits", params.client_max_window_bits)
        .done()
}

pub(crate) fn bytes_js(bytes: &[u8]) -> JsValue {
    Uint8Array::from(bytes).into()
}

/// A number as JS writes it (`String(n)`), without Rust's float formatting.
pub(crate) fn number_text(n: f64) -> String {
    js_sys::Number::from(n)
        .to_string_with_radix(10)
        .map(String::from)
        .unwrap_or_default()
}
