//! Partner Center roles carried in the `roles` claim and the access rules of the role matrix (contract §3.4).

/// The roles the mirror knows; other values are ignored.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RoleSet {
    /// `AdminAgents`.
    pub admin_agents: bool,
    /// `SalesAgents`.
    pub sales_agents: bool,
    /// `HelpdeskAgents`.
    pub helpdesk_agents: bool,
}

impl RoleSet {
    /// Reads role names, matched case-insensitively.
    pub fn from_names<'a>(names: impl IntoIterator<Item = &'a str>) -> RoleSet {
        let mut set = RoleSet::default();
        for name in names {
            if name.eq_ignore_ascii_case("AdminAgents") {
                set.admin_agents = true;
            } else if name.eq_ignore_ascii_case("SalesAgents") {
                set.sales_agents = true;
            } else if name.eq_ignore_ascii_case("HelpdeskAgents") {
                set.helpdesk_agents = true;
            }
        }
        set
    }

    /// Every `/v1` operation needs AdminAgents or SalesAgents.
    pub fn may_use_agreement_api(&self) -> bool {
        self.admin_agents || self.sales_agents
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helpdesk_alone_is_not_enough() {
        assert!(!RoleSet::from_names(["HelpdeskAgents"]).may_use_agreement_api());
        assert!(RoleSet::from_names(["salesagents"]).may_use_agreement_api());
        assert!(!RoleSet::from_names(["Reader"]).may_use_agreement_api());
    }
}
