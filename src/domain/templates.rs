//! The fixed agreement templates (contract §4.1) and agreement types.

/// Template id of the Microsoft Customer Agreement.
pub const MCA_TEMPLATE_ID: &str = "117a77b0-9360-443b-8795-c6dedc750cf9";
/// Template id of the retired Microsoft Cloud Agreement.
pub const LEGACY_TEMPLATE_ID: &str = "998b88de-aa99-4388-a42c-1b3517d49490";
/// Agreement type of the Customer Agreement.
pub const MCA_TYPE: &str = "MicrosoftCustomerAgreement";
/// Agreement type of the legacy Cloud Agreement.
pub const LEGACY_TYPE: &str = "MicrosoftCloudAgreement";

/// One template of the seed data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Template {
    /// Lowercase GUID.
    pub template_id: &'static str,
    /// `MicrosoftCustomerAgreement` or `MicrosoftCloudAgreement`.
    pub agreement_type: &'static str,
    /// Public link to the agreement.
    pub agreement_link: &'static str,
    /// Always 0 in the seed data.
    pub version_rank: i32,
}

/// The seed templates, Customer Agreement first (the order of a real `*` listing).
pub const TEMPLATES: [Template; 2] = [
    Template {
        template_id: MCA_TEMPLATE_ID,
        agreement_type: MCA_TYPE,
        agreement_link: "https://aka.ms/customeragreement",
        version_rank: 0,
    },
    Template {
        template_id: LEGACY_TEMPLATE_ID,
        agreement_type: LEGACY_TYPE,
        agreement_link: "https://docs.microsoft.com/partner-center/agreements",
        version_rank: 0,
    },
];

/// Looks a template up by its lowercase id.
pub fn by_id(template_id: &str) -> Option<&'static Template> {
    TEMPLATES.iter().find(|t| t.template_id == template_id)
}

/// Which agreement types a query `agreementType` selects (contract §4.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TypeFilter {
    /// `*`: every type.
    All,
    /// One known type (canonical spelling).
    One(&'static str),
    /// An unknown value: nothing matches.
    Nothing,
}

impl TypeFilter {
    /// Omitted or empty means the legacy default; `*` all; otherwise a case-insensitive match.
    pub fn from_query(value: Option<&str>) -> TypeFilter {
        match value {
            None => TypeFilter::One(LEGACY_TYPE),
            Some("*") => TypeFilter::All,
            Some(v) if v.eq_ignore_ascii_case(MCA_TYPE) => TypeFilter::One(MCA_TYPE),
            Some(v) if v.eq_ignore_ascii_case(LEGACY_TYPE) => TypeFilter::One(LEGACY_TYPE),
            Some(_) => TypeFilter::Nothing,
        }
    }

    /// True when an item of this type is selected.
    pub fn admits(&self, agreement_type: &str) -> bool {
        match self {
            TypeFilter::All => true,
            TypeFilter::One(t) => *t == agreement_type,
            TypeFilter::Nothing => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn omitted_type_means_the_legacy_agreement() {
        assert_eq!(TypeFilter::from_query(None), TypeFilter::One(LEGACY_TYPE));
        assert_eq!(
            TypeFilter::from_query(Some("microsoftcustomeragreement")),
            TypeFilter::One(MCA_TYPE)
        );
        assert_eq!(TypeFilter::from_query(Some("Other")), TypeFilter::Nothing);
        assert!(TypeFilter::All.admits(MCA_TYPE));
    }
}
