//! The collection envelope of contract §2.7 and the `attributes` member of resources.

use serde::Serialize;
use utoipa::ToSchema;

/// `attributes` of resources and collections.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Attributes {
    /// Resource type, e.g. `Collection`, `Customer`.
    pub object_type: &'static str,
    /// Entity tag (billing profiles only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub etag: Option<String>,
}

impl Attributes {
    /// Attributes with only `objectType`.
    pub fn of(object_type: &'static str) -> Attributes {
        Attributes {
            object_type,
            etag: None,
        }
    }
}

/// A header of a link.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LinkHeader {
    /// Header name.
    pub key: String,
    /// Header value.
    pub value: String,
}

/// A link to another request.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Link {
    /// Relative URI.
    pub uri: String,
    /// HTTP method.
    pub method: &'static str,
    /// Headers to send.
    pub headers: Vec<LinkHeader>,
}

impl Link {
    /// A GET link without headers.
    pub fn get(uri: String) -> Link {
        Link {
            uri,
            method: "GET",
            headers: Vec::new(),
        }
    }
}

/// `links` of a collection.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Links {
    /// This page.
    #[serde(rename = "self")]
    pub self_link: Link,
    /// The next page (customer list only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<Link>,
}

/// The collection envelope.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Collection<T: ToSchema> {
    /// Number of items in this response.
    pub total_count: usize,
    /// The items.
    pub items: Vec<T>,
    /// Links.
    pub links: Links,
    /// Always `{"objectType":"Collection"}`.
    pub attributes: Attributes,
}

impl<T: ToSchema> Collection<T> {
    /// A collection of `items` with its self link.
    pub fn new(items: Vec<T>, self_uri: String, next: Option<Link>) -> Collection<T> {
        Collection {
            total_count: items.len(),
            items,
            links: Links {
                self_link: Link::get(self_uri),
                next,
            },
            attributes: Attributes::of("Collection"),
        }
    }
}

/// The path with its query string as received.
pub fn with_query(path: String, query: &str) -> String {
    if query.is_empty() {
        path
    } else {
        format!("{path}?{query}")
    }
}
