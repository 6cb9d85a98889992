//! Identifier newtypes. Row ids are 64-bit integers in both stores.

use serde::{Deserialize, Serialize};

macro_rules! id_type {
    ($(#[$m:meta])* $name:ident) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "{}", self.0)
            }
        }
    };
}

id_type!(/// A track row.
    TrackId);
id_type!(/// A profile row.
    ProfileId);
id_type!(/// A listen event row.
    ListenId);
id_type!(/// A job row.
    JobId);
id_type!(/// A playlist row.
    PlaylistId);
