//! Queries on the fixed agreement templates.

use diesel::prelude::*;

use super::models::TemplateRow;
use super::schema::agreement_templates::dsl;
use super::DbConnection;

/// Every template in listing order.
pub fn all(conn: &mut DbConnection) -> QueryResult<Vec<TemplateRow>> {
    dsl::agreement_templates
        .order(dsl::display_order.asc())
        .select(TemplateRow::as_select())
        .load(conn)
}
