//! Integration tests of the model: one binary, one module per concern.

mod ids;
