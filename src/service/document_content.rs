//! Content served behind the signed agreement-document links (contract §4.5).
//!
//! An HTML page for `/view` and a DOCX package for `/download`, both placeholders that state the
//! document's facts (template id, agreement type, country, language). They never contain
//! Microsoft's agreement text. Pure functions: no I/O beyond building bytes in memory.

use std::io::{Cursor, Write};

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

/// Facts a rendered agreement document states.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DocumentFacts<'a> {
    /// Agreement template id, e.g. `117a77b0-9360-443b-8795-c6dedc750cf9`.
    pub template_id: &'a str,
    /// Agreement type of the template, e.g. `MicrosoftCustomerAgreement`.
    pub agreement_type: &'a str,
    /// Country code as resolved for the link, e.g. `FR`.
    pub country: &'a str,
    /// Language as resolved for the link, e.g. `fr-FR`.
    pub language: &'a str,
}

/// Name of the program that serves the placeholder, as shown in every document.
const PRODUCT: &str = "partner-center-mirror";

/// Heading of every placeholder document.
const HEADING: &str = "Agreement document placeholder";

/// Notice stated by every placeholder document, in both formats.
const NOTICE: &str = "This is a placeholder served by partner-center-mirror, a local mirror of the \
    Microsoft Partner Center agreement API for development and testing. It is NOT Microsoft's \
    agreement text and has no legal effect. The real service links to the actual agreement \
    document.";

/// MIME type of the main part of a WordprocessingML document.
const DOCUMENT_MAIN_CONTENT_TYPE: &str =
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml";

/// The facts as labelled rows, in the order both formats present them.
fn fact_rows<'a>(facts: &DocumentFacts<'a>) -> [(&'static str, &'a str); 4] {
    [
        ("Template id", facts.template_id),
        ("Agreement type", facts.agreement_type),
        ("Country", facts.country),
        ("Language", facts.language),
    ]
}

/// Escapes text for use in HTML5 or XML content and attribute values.
///
/// Control characters that XML 1.0 forbids even when escaped are replaced by U+FFFD.
fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            '\t' | '\n' | '\r' => escaped.push(ch),
            c if c < ' ' => escaped.push('\u{FFFD}'),
            c => escaped.push(c),
        }
    }
    escaped
}

/// Renders the HTML page served by a document link's `/view` URL.
///
/// A complete HTML5 page with inline CSS and no script, naming the template id, agreement type,
/// country and language, and marked as a placeholder of the local mirror. Every interpolated
/// value is HTML-escaped.
pub fn render_html(facts: &DocumentFacts<'_>) -> String {
    let rows: String = fact_rows(facts)
        .iter()
        .map(|(label, value)| format!("        <dt>{label}</dt>\n        <dd>{}</dd>\n", escape(value)))
        .collect();
    format!(
        r#"<!DOCTYPE html>
<html lang="{lang}">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>{heading}: {agreement_type} ({country}, {lang}) - {product}</title>
    <style>
      body {{ font-family: system-ui, sans-serif; color: #1b1b1b; }}
      body {{ margin: 2rem auto; max-width: 48rem; padding: 0 1rem; }}
      .notice {{ border: 2px solid #b35900; border-radius: 4px; }}
      .notice {{ background: #fff4e5; padding: 1rem; }}
      dl {{ display: grid; grid-template-columns: max-content 1fr; gap: 0.5rem 1.5rem; }}
      dt {{ font-weight: bold; }}
      dd {{ margin: 0; font-family: ui-monospace, monospace; }}
      footer {{ margin-top: 2rem; font-size: 0.875rem; color: #555; }}
    </style>
  </head>
  <body>
    <main>
      <h1>{heading}</h1>
      <p class="notice"><strong>Placeholder.</strong> {notice}</p>
      <dl>
{rows}      </dl>
    </main>
    <footer>Served by {product}.</footer>
  </body>
</html>
"#,
        lang = escape(facts.language),
        heading = HEADING,
        agreement_type = escape(facts.agreement_type),
        country = escape(facts.country),
        product = PRODUCT,
        notice = escape(NOTICE),
        rows = rows,
    )
}

/// Renders the Word document served by a document link's `/download` URL.
///
/// A minimal WordprocessingML package (`[Content_Types].xml`, `_rels/.rels`,
/// `word/document.xml`, `docProps/core.xml`) stating the same facts and placeholder notice as
/// [`render_html`].
pub fn render_docx(facts: &DocumentFacts<'_>) -> Result<Vec<u8>, super::ServiceError> {
    build_docx(facts).map_err(|e| super::ServiceError::Internal(format!("writing the DOCX package failed: {e}")))
}

/// File name for the DOCX download: `<agreementType>_<country>_<language>.docx`, for example
/// `MicrosoftCustomerAgreement_FR_fr-FR.docx`.
///
/// Characters other than ASCII letters, digits, `-` and `_` are replaced by `_`, so the name is
/// always safe in a `Content-Disposition` header; validated values pass through unchanged.
pub fn docx_file_name(facts: &DocumentFacts<'_>) -> String {
    let safe = |value: &str| -> String {
        value
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .collect()
    };
    format!(
        "{}_{}_{}.docx",
        safe(facts.agreement_type),
        safe(facts.country),
        safe(facts.language)
    )
}

/// Assembles the DOCX package in memory.
fn build_docx(facts: &DocumentFacts<'_>) -> zip::result::ZipResult<Vec<u8>> {
    let options = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
    let parts = [
        ("[Content_Types].xml", content_types_xml()),
        ("_rels/.rels", package_rels_xml()),
        ("docProps/core.xml", core_properties_xml(facts)),
        ("word/document.xml", document_xml(facts)),
    ];
    let mut writer = ZipWriter::new(Cursor::new(Vec::new()));
    for (name, content) in parts {
        writer.start_file(name, options)?;
        writer.write_all(content.as_bytes())?;
    }
    Ok(writer.finish()?.into_inner())
}

/// `[Content_Types].xml`: content types of every part in the package.
fn content_types_xml() -> String {
    format!(
        concat!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#,
            "\n",
            r#"<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">"#,
            r#"<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>"#,
            r#"<Default Extension="xml" ContentType="application/xml"/>"#,
            r#"<Override PartName="/word/document.xml" ContentType="{main}"/>"#,
            r#"<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>"#,
            "</Types>\n",
        ),
        main = DOCUMENT_MAIN_CONTENT_TYPE,
    )
}

/// `_rels/.rels`: package relationships to the main document and the core properties.
fn package_rels_xml() -> String {
    concat!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#,
        "\n",
        r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">"#,
        r#"<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>"#,
        r#"<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>"#,
        "</Relationships>\n",
    )
    .to_owned()
}

/// `docProps/core.xml`: title, subject, creator and language of the document.
fn core_properties_xml(facts: &DocumentFacts<'_>) -> String {
    format!(
        concat!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#,
            "\n",
            r#"<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/">"#,
            "<dc:title>{heading}: {agreement_type} ({country}, {language})</dc:title>",
            "<dc:subject>Placeholder, not Microsoft&#39;s agreement text</dc:subject>",
            "<dc:creator>{product}</dc:creator>",
            "<dc:language>{language}</dc:language>",
            "</cp:coreProperties>\n",
        ),
        heading = HEADING,
        agreement_type = escape(facts.agreement_type),
        country = escape(facts.country),
        language = escape(facts.language),
        product = PRODUCT,
    )
}

/// `word/document.xml`: heading, placeholder notice and one paragraph per fact.
fn document_xml(facts: &DocumentFacts<'_>) -> String {
    let mut body = String::new();
    body.push_str(&paragraph(&[run(HEADING, r#"<w:b/><w:sz w:val="32"/>"#)]));
    body.push_str(&paragraph(&[run("Placeholder. ", "<w:b/>"), run(NOTICE, "")]));
    for (label, value) in fact_rows(facts) {
        body.push_str(&paragraph(&[run(&format!("{label}: "), "<w:b/>"), run(value, "")]));
    }
    body.push_str(&paragraph(&[run(&format!("Served by {PRODUCT}."), "<w:i/>")]));
    format!(
        concat!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#,
            "\n",
            r#"<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">"#,
            "<w:body>{body}",
            r#"<w:sectPr><w:pgSz w:w="11906" w:h="16838"/>"#,
            r#"<w:pgMar w:top="1440" w:right="1440" w:bottom="1440" w:left="1440" w:header="708" w:footer="708" w:gutter="0"/>"#,
            "</w:sectPr></w:body></w:document>\n",
        ),
        body = body,
    )
}

/// One `<w:p>` paragraph made of the given runs.
fn paragraph(runs: &[String]) -> String {
    format!("<w:p>{}</w:p>", runs.concat())
}

/// One `<w:r>` run of escaped `text` with the given run properties (trusted markup).
fn run(text: &str, properties: &str) -> String {
    let properties = if properties.is_empty() {
        String::new()
    } else {
        format!("<w:rPr>{properties}</w:rPr>")
    };
    format!(
        r#"<w:r>{properties}<w:t xml:space="preserve">{}</w:t></w:r>"#,
        escape(text)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    const FR: DocumentFacts<'static> = DocumentFacts {
        template_id: "117a77b0-9360-443b-8795-c6dedc750cf9",
        agreement_type: "MicrosoftCustomerAgreement",
        country: "FR",
        language: "fr-FR",
    };

    fn read_part(docx: &[u8], name: &str) -> String {
        let mut archive = zip::ZipArchive::new(Cursor::new(docx)).expect("valid zip");
        let mut file = archive.by_name(name).expect("part present");
        let mut text = String::new();
        file.read_to_string(&mut text).expect("utf-8 part");
        text
    }

    #[test]
    fn escape_handles_markup_characters() {
        assert_eq!(
            escape(r#"<a href="x">Tom & 'Jerry'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;"
        );
        assert_eq!(escape("a\u{1}b"), "a\u{FFFD}b");
    }

    #[test]
    fn html_is_a_complete_page_naming_all_facts() {
        let html = render_html(&FR);
        assert!(html.starts_with("<!DOCTYPE html>"));
        assert!(html.contains(r#"<html lang="fr-FR">"#));
        assert!(html.contains(r#"<meta charset="utf-8">"#));
        assert!(html.contains("<title>"));
        assert!(html.trim_end().ends_with("</html>"));
        assert!(html.contains("<dd>117a77b0-9360-443b-8795-c6dedc750cf9</dd>"));
        assert!(html.contains("<dd>MicrosoftCustomerAgreement</dd>"));
        assert!(html.contains("<dd>FR</dd>"));
        assert!(html.contains("<dd>fr-FR</dd>"));
        assert!(html.contains("placeholder"));
        assert!(html.contains("partner-center-mirror"));
        assert!(html.contains("NOT Microsoft&#39;s agreement text"));
        assert!(!html.contains("<script"));
    }

    #[test]
    fn html_escapes_interpolated_values() {
        let facts = DocumentFacts {
            template_id: "<script>alert(1)</script>",
            agreement_type: "A&B",
            country: "\"X\"",
            language: "en\"><b>",
        };
        let html = render_html(&facts);
        assert!(!html.contains("<script>"));
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(html.contains("A&amp;B"));
        assert!(html.contains("&quot;X&quot;"));
        assert!(html.contains(r#"<html lang="en&quot;&gt;&lt;b&gt;">"#));
        assert!(!html.contains("<b>"));
    }

    #[test]
    fn docx_is_a_zip_with_the_required_parts() {
        let docx = render_docx(&FR).unwrap();
        assert!(docx.starts_with(b"PK"));
        let mut archive = zip::ZipArchive::new(Cursor::new(&docx[..])).expect("valid zip");
        for name in [
            "[Content_Types].xml",
            "_rels/.rels",
            "word/document.xml",
            "docProps/core.xml",
        ] {
            assert!(archive.by_name(name).is_ok(), "missing {name}");
        }
        assert_eq!(archive.len(), 4);
    }

    #[test]
    fn docx_declares_content_types_and_relationships() {
        let docx = render_docx(&FR).unwrap();
        let types = read_part(&docx, "[Content_Types].xml");
        assert!(types.contains(
            r#"<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>"#
        ));
        assert!(types.contains(r#"Extension="rels""#));
        assert!(types.contains(r#"PartName="/docProps/core.xml""#));
        let rels = read_part(&docx, "_rels/.rels");
        assert!(rels.contains(r#"Id="rId1""#));
        assert!(rels.contains(
            r#"Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml""#
        ));
        assert!(rels.contains(r#"Id="rId2""#));
        assert!(rels.contains(r#"Target="docProps/core.xml""#));
    }

    #[test]
    fn docx_document_states_the_facts_and_the_notice() {
        let docx = render_docx(&FR).unwrap();
        let document = read_part(&docx, "word/document.xml");
        assert!(document.contains(">FR<"));
        assert!(document.contains(">fr-FR<"));
        assert!(document.contains(">117a77b0-9360-443b-8795-c6dedc750cf9<"));
        assert!(document.contains(">MicrosoftCustomerAgreement<"));
        assert!(document.contains("placeholder served by partner-center-mirror"));
        assert!(document.contains("NOT Microsoft&#39;s agreement text"));
        let core = read_part(&docx, "docProps/core.xml");
        assert!(core.contains("<dc:language>fr-FR</dc:language>"));
    }

    #[test]
    fn docx_escapes_interpolated_values() {
        let facts = DocumentFacts { country: "<FR&>", ..FR };
        let docx = render_docx(&facts).unwrap();
        let document = read_part(&docx, "word/document.xml");
        assert!(document.contains("&lt;FR&amp;&gt;"));
        assert!(!document.contains("<FR&>"));
    }

    #[test]
    fn docx_file_name_follows_the_contract() {
        assert_eq!(docx_file_name(&FR), "MicrosoftCustomerAgreement_FR_fr-FR.docx");
        let odd = DocumentFacts {
            country: "F\"R",
            language: "fr/FR\r\n",
            ..FR
        };
        assert_eq!(docx_file_name(&odd), "MicrosoftCustomerAgreement_F_R_fr_FR__.docx");
    }
}
