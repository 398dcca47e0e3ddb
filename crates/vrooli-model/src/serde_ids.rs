//! 64-bit integers travel as strings in JSON: JavaScript numbers lose
//! precision above 2^53, and ids and credit amounts go well past it.
//! Reading accepts both strings and numbers.

use serde::{Deserialize, Deserializer, Serializer};

#[derive(Deserialize)]
#[serde(untagged)]
enum StringOrNumber<'a> {
    Number(i64),
    Text(std::borrow::Cow<'a, str>),
}

fn parse<'de, D: Deserializer<'de>>(v: StringOrNumber<'_>) -> Result<i64, D::Error> {
    match v {
        StringOrNumber::Number(n) => Ok(n),
        StringOrNumber::Text(s) => s.parse().map_err(serde::de::Error::custom),
    }
}

pub fn serialize<S: Serializer>(v: &i64, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(v)
}

pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    parse::<D>(StringOrNumber::deserialize(d)?)
}

pub mod option {
    use super::*;

    pub fn serialize<S: Serializer>(v: &Option<i64>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(v) => s.collect_str(v),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
        match Option::<StringOrNumber>::deserialize(d)? {
            Some(v) => parse::<D>(v).map(Some),
            None => Ok(None),
        }
    }
}
