//! sqlite-persistent-queue: a durable FIFO job queue in one SQLite file.
//!
//! [`queue`] is the pure Rust core (schema, transactions, claims, recovery); [`binding`] exposes
//! it to Node.js through napi-rs and only translates.
#![deny(clippy::all)]

pub mod binding;
pub mod queue;
