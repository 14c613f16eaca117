//! The one streaming decoder of Kubernetes lists: snapshot documents and live list pages.
//!
//! Responsibility: walk a list's `items` one at a time, each item a [`serde_json::Value`] only
//! while [`object`] turns it into inventory data, and hand each to the caller's `on_item` with
//! its [`Position`]; give items that leave out `apiVersion` and `kind` the list's own
//! ([`Defaults`], as the API's list pages do); and say what the text was ([`Shape`]), with the
//! list's `metadata.continue`. [`Decoder::document`] reads one document as `kubectl get -o
//! json|yaml` prints it (a `List`, an array of objects, or one object); [`page`] reads one page
//! of a live list request. [`object`] is the one place a Kubernetes object's JSON becomes
//! inventory data, so a snapshot and a live listing agree by construction.
//!
//! It must not read files, send requests, keep items, or write messages with positions: the
//! caller knows the source's name and how it numbers documents and pages. It never panics.
//!
//! Invariants: at most one item's raw JSON exists at a time, whatever the size of the list, so
//! what stays in memory is the text and what the caller keeps of the decoded items. Items reach
//! `on_item` in order, indexed from 0 within their `items` (or top-level array). A document's
//! later `items` replaces an earlier one, as a later key does in a JSON object: its items are
//! indexed from 0 again, and [`Listed::items`] counts only them, so a caller that keeps items
//! keeps the last that many. A page refuses a second `items` instead.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use super::Object;

mod object;
#[cfg(test)]
mod tests;

pub(crate) use object::ObjectError;

/// What a snapshot document must be.
const DOC_EXPECTED: &str = "a Kubernetes object or a List of them";
/// What a snapshot document's `items` must be.
pub(crate) const ITEMS_EXPECTED: &str = "`items` to be an array of Kubernetes objects";
/// What a live list page must be.
const PAGE_EXPECTED: &str = "a Kubernetes list object";
/// What a live list page's `items` must be.
const PAGE_ITEMS_EXPECTED: &str = "`items`, an array of objects";

/// Where an item sits in its list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Position {
    /// 0-based, within its `items` or top-level array; 0 for a document that is one object.
    pub index: usize,
    /// 1-based line and column where the item starts, when the parser says: YAML items have
    /// them; serde_json's streaming parser does not say where an array element starts, so JSON
    /// items (and a document that is one object) have `None`.
    pub line_column: Option<(u64, u64)>,
}

/// One item, decoded.
#[derive(Debug)]
pub(crate) struct Item {
    pub position: Position,
    /// `Ok(None)` for a kind the inventory does not keep.
    pub object: Result<Option<Object>, ObjectError>,
}

/// The `apiVersion` and `kind` of a live list's items: the API leaves them out of each item
/// and says them once, for the list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Defaults<'a> {
    pub api_version: &'a str,
    pub kind: &'a str,
}

/// What a list said besides its items.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Listed {
    /// How many items its (last) `items` held; 0 for a page's `items: null`.
    pub items: usize,
    /// `metadata.continue`, when given: the token for the next page (empty on the last one).
    pub continue_token: Option<String>,
}

/// What one document was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Shape {
    /// A map with `items`: a `List`, a `PodList`, a page.
    List(Listed),
    /// An array of objects.
    Array,
    /// One object, passed to `on_item` as item 0.
    Object,
    /// A map with `items: null`, or a `kind` ending in `List` without `items`. The caller
    /// decides what that means: its position is known only to the caller.
    ListWithoutItems,
}

/// The text's syntax: YAML items carry their line and column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Syntax {
    Json,
    Yaml,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// A snapshot document: a List, an array of objects, or one object; other keys of a List
    /// are kept only until the document turns out to be a List.
    Document,
    /// A live list page: a map with `items`; of the other keys only `metadata` is read.
    Page,
}

/// The decoder, as a [`DeserializeSeed`] for one document or page: it returns the [`Shape`]
/// and passes every item to `on_item` as it streams past.
pub(crate) struct Decoder<'a, F> {
    expect: Expect,
    syntax: Syntax,
    defaults: Option<Defaults<'a>>,
    on_item: F,
}

impl<F: FnMut(Item)> Decoder<'static, F> {
    /// One snapshot document. Its items keep the `apiVersion` and `kind` they were written
    /// with: a hand-written object may leave `apiVersion` out, and its kind then decides.
    pub(crate) fn document(syntax: Syntax, on_item: F) -> Self {
        Decoder {
            expect: Expect::Document,
            syntax,
            defaults: None,
            on_item,
        }
    }
}

/// Decode one page of a live list (JSON, as the API sends it), item by item, giving items
/// without `apiVersion` or `kind` the list's. Errors are serde_json's, with their position.
pub(crate) fn page(
    text: &str,
    defaults: Defaults<'_>,
    on_item: impl FnMut(Item),
) -> Result<Listed, serde_json::Error> {
    let decoder = Decoder {
        expect: Expect::Page,
        syntax: Syntax::Json,
        defaults: Some(defaults),
        on_item,
    };
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let shape = decoder.deserialize(&mut deserializer)?;
    deserializer.end()?;
    match shape {
        Shape::List(listed) => Ok(listed),
        // A page is read as a map and always comes out a list; this only keeps the promise
        // never to panic.
        Shape::Array | Shape::Object | Shape::ListWithoutItems => {
            Err(de::Error::custom(format!("expected {PAGE_EXPECTED}")))
        }
    }
}

impl<F: FnMut(Item)> Decoder<'_, F> {
    /// Decode one item and pass it on; its raw JSON is dropped before the next is read.
    fn emit(&mut self, index: usize, line_column: Option<(u64, u64)>, mut value: Value) {
        if let (Some(defaults), Value::Object(map)) = (self.defaults, &mut value) {
            map.entry("apiVersion")
                .or_insert_with(|| Value::String(defaults.api_version.to_owned()));
            map.entry("kind")
                .or_insert_with(|| Value::String(defaults.kind.to_owned()));
        }
        let object = object::decode_object(&value);
        (self.on_item)(Item {
            position: Position { index, line_column },
            object,
        });
    }

    fn document_map<'de, A: MapAccess<'de>>(mut self, mut map: A) -> Result<Shape, A::Error> {
        let mut rest = serde_json::Map::new();
        let mut items = None;
        let mut null_items = false;
        while let Some(key) = map.next_key::<String>()? {
            if key == "items" {
                items = map.next_value_seed(Items(&mut self))?;
                null_items = items.is_none();
            } else {
                let value: Value = map.next_value()?;
                rest.insert(key, value);
            }
        }
        if let Some(items) = items {
            let continue_token = rest
                .get("metadata")
                .and_then(|meta| meta.get("continue"))
                .and_then(Value::as_str)
                .map(str::to_owned);
            return Ok(Shape::List(Listed {
                items,
                continue_token,
            }));
        }
        let kind = rest.get("kind").and_then(Value::as_str).unwrap_or("");
        if null_items || kind.ends_with("List") {
            return Ok(Shape::ListWithoutItems);
        }
        self.emit(0, None, Value::Object(rest));
        Ok(Shape::Object)
    }

    fn page_map<'de, A: MapAccess<'de>>(mut self, mut map: A) -> Result<Shape, A::Error> {
        #[derive(Deserialize)]
        struct ListMeta {
            #[serde(rename = "continue")]
            continue_token: Option<String>,
        }
        let mut continue_token = None;
        let mut items = None;
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "metadata" => {
                    if let Some(meta) = map.next_value::<Option<ListMeta>>()? {
                        continue_token = meta.continue_token;
                    }
                }
                "items" => {
                    if items.is_some() {
                        return Err(de::Error::duplicate_field("items"));
                    }
                    // `items: null` is how the API writes an empty list.
                    items = Some(map.next_value_seed(Items(&mut self))?.unwrap_or(0));
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        let items = items.ok_or_else(|| de::Error::missing_field("items"))?;
        Ok(Shape::List(Listed {
            items,
            continue_token,
        }))
    }
}

impl<'de, F: FnMut(Item)> DeserializeSeed<'de> for Decoder<'_, F> {
    type Value = Shape;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Shape, D::Error> {
        match self.expect {
            Expect::Document => deserializer.deserialize_any(self),
            Expect::Page => deserializer.deserialize_map(self),
        }
    }
}

impl<'de, F: FnMut(Item)> Visitor<'de> for Decoder<'_, F> {
    type Value = Shape;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self.expect {
            Expect::Document => DOC_EXPECTED,
            Expect::Page => PAGE_EXPECTED,
        })
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Shape, A::Error> {
        match self.expect {
            Expect::Document => self.document_map(map),
            Expect::Page => self.page_map(map),
        }
    }

    fn visit_seq<A: SeqAccess<'de>>(mut self, seq: A) -> Result<Shape, A::Error> {
        if self.expect == Expect::Page {
            return Err(de::Error::invalid_type(de::Unexpected::Seq, &self));
        }
        Items(&mut self).visit_seq(seq)?;
        Ok(Shape::Array)
    }
}

/// `items` (or a top-level array): how many there were, `None` for `items: null`.
struct Items<'d, 'a, F>(&'d mut Decoder<'a, F>);

impl<'de, F: FnMut(Item)> DeserializeSeed<'de> for Items<'_, '_, F> {
    type Value = Option<usize>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_option(self)
    }
}

impl<'de, F: FnMut(Item)> Visitor<'de> for Items<'_, '_, F> {
    type Value = Option<usize>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self.0.expect {
            Expect::Document => ITEMS_EXPECTED,
            Expect::Page => PAGE_ITEMS_EXPECTED,
        })
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_seq(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let decoder = self.0;
        let mut index = 0;
        loop {
            let (value, line_column) = match decoder.syntax {
                Syntax::Json => match seq.next_element::<Value>()? {
                    Some(value) => (value, None),
                    None => break,
                },
                Syntax::Yaml => match seq.next_element::<serde_saphyr::Spanned<Value>>()? {
                    Some(spanned) => {
                        let at = spanned.referenced;
                        (
                            spanned.value,
                            (at.line() > 0).then(|| (at.line(), at.column())),
                        )
                    }
                    None => break,
                },
            };
            decoder.emit(index, line_column, value);
            index += 1;
        }
        Ok(Some(index))
    }
}
