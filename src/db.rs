//! Scout's own types as Postgres values (ssr only). Closed vocabularies are stored as their
//! slugs in `text` (and `text[]`) columns: `text_enum!` lets them cross the database as the
//! enum itself, so no caller formats or parses the slug, and a slug the code does not know
//! is a decode error naming it. Use them in `query!`/`query_as!` with a type override
//! (`channels as "channels: Vec<Channel>"`) and bind them with `as _`.

use sqlx::{
    Decode, Encode, Postgres, Type,
    encode::IsNull,
    error::BoxDynError,
    postgres::{PgArgumentBuffer, PgHasArrayType, PgTypeInfo, PgValueRef},
};

/// Stores each type as the text its `$to` method gives and reads it back through `$from`
/// (`as_str` and `from_slug` unless named).
macro_rules! text_enum {
    ($($t:ty),+ $(,)?) => {$( text_enum!($t => as_str, from_slug); )+};
    ($t:ty => $to:ident, $from:ident) => {
        impl Type<Postgres> for $t {
            fn type_info() -> PgTypeInfo {
                <str as Type<Postgres>>::type_info()
            }
            fn compatible(ty: &PgTypeInfo) -> bool {
                <str as Type<Postgres>>::compatible(ty)
            }
        }
        impl PgHasArrayType for $t {
            fn array_type_info() -> PgTypeInfo {
                <&str as PgHasArrayType>::array_type_info()
            }
            fn array_compatible(ty: &PgTypeInfo) -> bool {
                <&str as PgHasArrayType>::array_compatible(ty)
            }
        }
        impl Encode<'_, Postgres> for $t {
            fn encode_by_ref(&self, buf: &mut PgArgumentBuffer) -> Result<IsNull, BoxDynError> {
                <&str as Encode<Postgres>>::encode(AsRef::<str>::as_ref(&self.$to()), buf)
            }
        }
        impl<'r> Decode<'r, Postgres> for $t {
            fn decode(value: PgValueRef<'r>) -> Result<Self, BoxDynError> {
                let text = <&str as Decode<Postgres>>::decode(value)?;
                <$t>::$from(text)
                    .ok_or_else(|| format!("not a {}: {text:?}", stringify!($t)).into())
            }
        }
    };
}

use crate::{
    gallery::model::PhotoState,
    listings::model::{EventKind, Status},
    notifications::model::{Channel, Rhythm, Target},
};

text_enum!(Channel, Rhythm, Status, EventKind, PhotoState);

// delivery targets are text too: `email`, `push:{id}`, `webhook:{id}`
text_enum!(Target => key, from_key);
