//! HTML of the simulated admin-center pages: server-rendered, no JavaScript, inline CSS, every value escaped.
//! The ids and `data-*` attributes of `<main id="result">` and the credential `<dd>`s are stable test hooks.

use std::fmt::Write as _;

use chrono::{DateTime, Utc};

use crate::domain::datetime;
use crate::http::error::LEGACY_PURCHASES_TEXT;
use crate::service::admin_center::{Answer, CustomerOverview, InvitingPartner, McaResult, Outcome, RelationshipResult};

/// The banner every page carries.
pub const BANNER: &str = "Simulated Microsoft 365 admin center – Partner Center mirror. Not a Microsoft service.";

/// Text of the 404 page of an unknown inviting partner.
pub const INVALID_INVITATION: &str = "This invitation is not valid";

const STYLE: &str = "body{font-family:'Segoe UI',system-ui,sans-serif;margin:0;background:#f5f5f5;color:#201f1e}\
.banner{background:#fff4ce;border-bottom:1px solid #c19c00;padding:.5rem 1rem;font-weight:600}\
main{max-width:60rem;margin:1rem auto;padding:0 1rem}\
section,form{background:#fff;border:1px solid #e1dfdd;border-radius:4px;padding:1rem;margin:1rem 0}\
label{display:block;margin:.5rem 0}input[type=text],input[type=password]{width:100%;max-width:24rem;padding:.3rem}\
.message{padding:.75rem;border-left:4px solid #0078d4;background:#eff6fc}\
.message.error{border-color:#a4262c;background:#fde7e9}\
table{border-collapse:collapse;width:100%}th,td{border:1px solid #e1dfdd;padding:.3rem;text-align:left;font-size:.9rem}\
dd{font-family:monospace;font-size:1.1rem}button{padding:.4rem 1rem}";

/// Escapes text for HTML element content and double-quoted attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
    out
}

/// The `data-*` values of `<main id="result">`.
#[derive(Debug, Clone, Default)]
pub struct Hooks {
    /// `data-outcome`.
    pub outcome: String,
    /// `data-relationship`.
    pub relationship: String,
    /// `data-mca`.
    pub mca: String,
    /// `data-customer-tenant-id`.
    pub customer_tenant_id: String,
}

impl Hooks {
    /// The hooks of a POST answer.
    pub fn of(answer: &Answer) -> Hooks {
        Hooks {
            outcome: answer.outcome.as_str().to_owned(),
            relationship: answer.relationship.map(|r| r.as_str().to_owned()).unwrap_or_default(),
            mca: answer.mca.map(|m| m.as_str().to_owned()).unwrap_or_default(),
            customer_tenant_id: answer.customer.as_ref().map(|c| c.id.clone()).unwrap_or_default(),
        }
    }

    /// Hooks carrying only an outcome.
    pub fn outcome(outcome: &str) -> Hooks {
        Hooks {
            outcome: outcome.to_owned(),
            ..Hooks::default()
        }
    }
}

fn document(title: &str, hooks: &Hooks, content: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{title}</title>\
<style>{STYLE}</style></head><body><div class=\"banner\" role=\"note\">{banner}</div>\
<main id=\"result\" data-outcome=\"{outcome}\" data-relationship=\"{relationship}\" data-mca=\"{mca}\" \
data-customer-tenant-id=\"{customer}\">{content}</main></body></html>\n",
        title = escape(title),
        banner = escape(BANNER),
        outcome = escape(&hooks.outcome),
        relationship = escape(&hooks.relationship),
        mca = escape(&hooks.mca),
        customer = escape(&hooks.customer_tenant_id),
    )
}

fn date(value: &DateTime<Utc>) -> String {
    escape(&datetime::format_utc(value))
}

fn token_input(token: &str) -> String {
    format!("<input type=\"hidden\" name=\"formToken\" value=\"{}\">", escape(token))
}

fn checkbox(name: &str, label: &str, required: bool) -> String {
    format!(
        "<label><input type=\"checkbox\" name=\"{name}\" value=\"on\"{req}> {label}</label>",
        req = if required { " required" } else { "" },
        label = escape(label),
    )
}

fn sign_in_fields() -> &'static str {
    "<label>User name <input type=\"text\" name=\"userName\" autocomplete=\"username\" \
placeholder=\"admin@contoso.example.com\" required></label>\
<label>Password <input type=\"password\" name=\"password\" autocomplete=\"current-password\" required></label>"
}

/// A page without forms (invalid invitation).
pub fn notice_page(title: &str, outcome: &str, message: &str) -> String {
    let content = format!(
        "<h1>{}</h1><p class=\"message error\" id=\"message\">{}</p>",
        escape(title),
        escape(message)
    );
    document(title, &Hooks::outcome(outcome), &content)
}

/// What the invitation page shows.
#[derive(Debug, Clone)]
pub struct InvitationView<'a> {
    /// The inviting partner.
    pub partner: &'a InvitingPartner,
    /// Where the forms post to (the page's own path and query).
    pub action: &'a str,
    /// Every query parameter as sent (shown, not used beyond `invType` and `partnerId`).
    pub parameters: &'a [(String, String)],
    /// Fresh token of the "Existing customer" form.
    pub existing_token: &'a str,
    /// Fresh token of the "New customer tenant" form.
    pub new_token: &'a str,
    /// The answer to a POST, if any.
    pub answer: Option<&'a Answer>,
}

/// The invitation page, with the answer to a POST above its two forms.
pub fn invitation_page(view: &InvitationView<'_>) -> String {
    let partner = view.partner;
    let mut content = String::new();
    let _ = write!(
        content,
        "<h1>Partner invitation</h1><section id=\"invitation\"><p>The partner <strong id=\"partner-tenant-id\">{tid}</strong> \
(type {ptype}, MPN id {mpn}) invites your organization to a reseller relationship. It can also ask you to accept \
the Microsoft Customer Agreement.</p>",
        tid = escape(&partner.tenant_id),
        ptype = escape(&partner.partner_type),
        mpn = escape(partner.mpn_id.as_deref().unwrap_or("none")),
    );
    if !view.parameters.is_empty() {
        content.push_str("<details><summary>Invitation parameters</summary><dl>");
        for (name, value) in view.parameters {
            let _ = write!(content, "<dt>{}</dt><dd>{}</dd>", escape(name), escape(value));
        }
        content.push_str("</dl></details>");
    }
    content.push_str("</section>");
    if let Some(answer) = view.answer {
        content.push_str(&answer_section(answer, Some(&partner.tenant_id)));
    }
    let action = escape(view.action);
    let _ = write!(
        content,
        "<form method=\"post\" action=\"{action}\" id=\"existing-customer\"><h2>Existing customer</h2>\
<p>Sign in with your organization's admin account.</p>{token}{fields}{relationship}{mca}\
<button type=\"submit\">Sign in and accept</button></form>",
        token = token_input(view.existing_token),
        fields = sign_in_fields(),
        relationship = checkbox(
            "acceptRelationship",
            "Accept the reseller relationship with this partner",
            false
        ),
        mca = checkbox("acceptMca", "Also accept the Microsoft Customer Agreement", false),
    );
    let _ = write!(
        content,
        "<form method=\"post\" action=\"{action}\" id=\"new-customer-tenant\"><h2>New customer tenant</h2>\
<p>Create a new tenant for your organization. Its admin signs in as <code>admin@&lt;domain&gt;</code>; the password \
is shown once.</p>{token}\
<label>Domain <input type=\"text\" name=\"domain\" placeholder=\"contoso.example.com\" required></label>\
<label>Company name <input type=\"text\" name=\"companyName\" maxlength=\"256\" required></label>{relationship}{mca}\
<button type=\"submit\">Create tenant and accept</button></form>",
        token = token_input(view.new_token),
        relationship = checkbox(
            "acceptRelationship",
            "Accept the reseller relationship with this partner",
            true
        ),
        mca = checkbox("acceptMca", "Also accept the Microsoft Customer Agreement", false),
    );
    let hooks = view.answer.map(Hooks::of).unwrap_or_default();
    document("Partner invitation", &hooks, &content)
}

/// The agreement page, with the answer to a POST above its sign-in form.
pub fn agreement_page(action: &str, token: &str, answer: Option<&Answer>) -> String {
    let mut content = String::from(
        "<h1>Microsoft Customer Agreement</h1><section id=\"agreement\"><p>Review the \
<a href=\"https://aka.ms/customeragreement\" rel=\"noreferrer\">Microsoft Customer Agreement</a> and accept it for your \
organization. Sign in with your organization's admin account.</p></section>",
    );
    if let Some(answer) = answer {
        content.push_str(&answer_section(answer, None));
    }
    let _ = write!(
        content,
        "<form method=\"post\" action=\"{action}\" id=\"agreement-sign-in\"><h2>Sign in</h2>{token}{fields}{mca}\
<button type=\"submit\">Sign in</button></form>",
        action = escape(action),
        token = token_input(token),
        fields = sign_in_fields(),
        mca = checkbox("acceptMca", "I accept the Microsoft Customer Agreement", false),
    );
    let hooks = answer.map(Hooks::of).unwrap_or_default();
    document("Microsoft Customer Agreement", &hooks, &content)
}

fn message(text: &str, error: bool) -> String {
    format!(
        "<p class=\"message{}\" id=\"message\">{}</p>",
        if error { " error" } else { "" },
        escape(text)
    )
}

fn answer_section(answer: &Answer, partner: Option<&str>) -> String {
    let mut out = String::from("<section id=\"answer\">");
    match answer.outcome {
        Outcome::FormRejected => out.push_str(&message(
            "This form was refused: it expired, was already submitted, or was sent from another site. Nothing was changed. Please use the fresh form below.",
            true,
        )),
        Outcome::SignInFailed => out.push_str(&message(
            "Sign-in failed. Check the user name and password. Nothing was changed.",
            true,
        )),
        Outcome::Invalid => {
            out.push_str(&message("The new customer tenant was not created.", true));
            out.push_str("<ul id=\"problems\">");
            for problem in &answer.problems {
                let _ = write!(out, "<li>{}</li>", escape(problem));
            }
            out.push_str("</ul>");
        }
        Outcome::SignedIn => out.push_str(&message("Signed in. No change was requested.", false)),
        Outcome::Done | Outcome::McaRefused => {
            if let Some(result) = answer.relationship {
                let partner = partner.unwrap_or_default();
                let text = match result {
                    RelationshipResult::Accepted => {
                        format!("You accepted the reseller relationship with partner {partner}.")
                    }
                    RelationshipResult::Restored => {
                        format!("Your reseller relationship with partner {partner} was restored.")
                    }
                    RelationshipResult::Unchanged => {
                        format!("Partner {partner} already was your reseller; nothing changed.")
                    }
                };
                out.push_str(&message(&text, false));
            }
            match answer.mca {
                Some(McaResult::Accepted) => {
                    out.push_str(&message("You accepted the Microsoft Customer Agreement.", false))
                }
                Some(McaResult::AlreadyAccepted) => out.push_str(&message(
                    "Your organization had already accepted the Microsoft Customer Agreement.",
                    false,
                )),
                Some(McaResult::Refused) => out.push_str(&message(LEGACY_PURCHASES_TEXT, true)),
                None => {}
            }
        }
    }
    if let Some(credentials) = &answer.credentials {
        let _ = write!(
            out,
            "<h2>Your new tenant's admin account</h2><p>Write the password down: it is shown only once.</p>\
<dl id=\"credentials\"><dt>Admin sign-in name</dt><dd id=\"admin-sign-in-name\">{}</dd>\
<dt>Admin password</dt><dd id=\"admin-password\">{}</dd></dl>",
            escape(&credentials.sign_in_name),
            escape(&credentials.password)
        );
    }
    if let Some(customer) = &answer.customer {
        out.push_str(&partner_list(customer));
    }
    out.push_str("</section>");
    out
}

fn partner_list(customer: &CustomerOverview) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "<h2>Partner relationships of {company} ({domain})</h2><p>Signed in as <span id=\"signed-in-as\">{name}</span>, \
tenant <span id=\"customer-tenant-id\">{id}</span>.</p>",
        company = escape(&customer.company_name),
        domain = escape(&customer.domain),
        name = escape(&customer.sign_in_name),
        id = escape(&customer.id),
    );
    let accepted = customer
        .direct_acceptance
        .as_ref()
        .map_or_else(|| "not accepted".to_owned(), date);
    let _ = write!(
        out,
        "<p id=\"direct-acceptance\">Microsoft Customer Agreement accepted by your organization: {accepted}</p>"
    );
    if customer.partners.is_empty() {
        out.push_str("<p id=\"no-partners\">Your organization has no reseller partner.</p>");
        return out;
    }
    out.push_str(
        "<table id=\"partners\"><thead><tr><th>Partner tenant id</th><th>Partner type</th><th>MPN id</th>\
<th>Relationship</th><th>Since</th><th>Customer Agreement confirmed by this partner</th></tr></thead><tbody>",
    );
    for entry in &customer.partners {
        let confirmed = entry
            .mca_confirmed
            .as_ref()
            .map_or_else(|| "no".to_owned(), |at| format!("yes ({})", date(at)));
        let _ = write!(
            out,
            "<tr data-partner-tenant-id=\"{tid}\"><td>{tid}</td><td>{ptype}</td><td>{mpn}</td><td>reseller</td>\
<td>{since}</td><td>{confirmed}</td></tr>",
            tid = escape(&entry.tenant_id),
            ptype = escape(entry.partner_type.as_deref().unwrap_or("unknown")),
            mpn = escape(entry.mpn_id.as_deref().unwrap_or("")),
            since = date(&entry.since),
        );
    }
    out.push_str("</tbody></table>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_characters_are_escaped() {
        assert_eq!(
            escape("<a href=\"x\">Tom & Jerry's</a>"),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;"
        );
    }

    #[test]
    fn every_page_carries_the_banner_and_no_script() {
        let page = agreement_page("/_mirror/admin-center/agreement", "t.s", None);
        assert!(page.contains(BANNER));
        assert!(page.contains("<input type=\"hidden\" name=\"formToken\" value=\"t.s\">"));
        assert!(!page.to_ascii_lowercase().contains("<script"));
        let notice = notice_page("Invitation", "notFound", INVALID_INVITATION);
        assert!(notice.contains(BANNER) && notice.contains(INVALID_INVITATION));
    }
}
