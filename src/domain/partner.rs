//! Partner types (contract §3.5).

/// The kind of partner a tenant is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PartnerType {
    /// Direct-bill partner.
    DirectBill,
    /// Indirect provider.
    IndirectProvider,
    /// Indirect reseller: refused on (b), (c), (d), (g).
    IndirectReseller,
}

impl PartnerType {
    /// Wire and storage spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            PartnerType::DirectBill => "directBill",
            PartnerType::IndirectProvider => "indirectProvider",
            PartnerType::IndirectReseller => "indirectReseller",
        }
    }

    /// Parses the exact spelling.
    pub fn parse(s: &str) -> Option<PartnerType> {
        match s {
            "directBill" => Some(PartnerType::DirectBill),
            "indirectProvider" => Some(PartnerType::IndirectProvider),
            "indirectReseller" => Some(PartnerType::IndirectReseller),
            _ => None,
        }
    }
}
