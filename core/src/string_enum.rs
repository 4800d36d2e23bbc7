//! `string_enum!`: an enum of the reference's strings, its `ALL` list, `as_str` and `parse`
//! generated from one declaration, so the list can never miss a value.

/// Declares `pub enum $name { Variant = "string", … }` with `ALL`, `as_str` and `parse`.
macro_rules! string_enum {
    ($(#[$meta:meta])* pub enum $name:ident { $( $(#[$doc:meta])* $variant:ident = $s:literal, )* }) => {
        $(#[$meta])*
        pub enum $name {
            $( $(#[$doc])* $variant, )*
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[ $( $name::$variant, )* ];

            /// The string the reference uses.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $( $name::$variant => $s, )*
                }
            }

            /// The value spelled `s` exactly (`None` for any other string).
            pub fn parse(s: &str) -> Option<$name> {
                match s {
                    $( $s => Some($name::$variant), )*
                    _ => None,
                }
            }
        }
    };
}

pub(crate) use string_enum;
