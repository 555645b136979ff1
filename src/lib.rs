//! partner-center-mirror: a local mirror of Microsoft Partner Center's customer-agreement REST API.
//!
//! Floors, pointing down only: `http` → `auth`, `service`, `domain`; `service` → `db`, `domain`; `db` → `domain`.
//! Beside them, `mailer` (the SMTP side of the outbox) → `service`, `config`; `startup` wires everything.

pub mod auth;
pub mod config;
pub mod db;
pub mod domain;
pub mod http;
pub mod mailer;
pub mod memory;
pub mod secrets;
pub mod service;
pub mod startup;
