//! The closed-vocabulary facets (fuel, gearbox, body, colour, condition, seller): one table,
//! [`VOCABS`], drives the URL codec, the smart box, the filters the index and SQL compare, the
//! facet counts, the chips, the filter panel and the alert matcher's masks.
//!
//! Adding such a facet is one entry here, its vocabulary in `model` (`vocabulary!`) and its
//! column: the listings migration (with its check), the index's row (`Row::vocab`).

use crate::listings::model::{Body, Colour, Condition, Fuel, SellerType, Transmission};
use serde::{Deserialize, Serialize};
use std::ops::{Index, IndexMut};

/// A closed vocabulary a search picks values of (any of them matches).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Vocab {
    Fuel,
    Gearbox,
    Body,
    Colour,
    Condition,
    Seller,
}

/// How many [`Vocab`]s there are.
pub const VOCAB_COUNT: usize = 6;

/// One closed-vocabulary facet.
pub struct VocabFacet {
    pub vocab: Vocab,
    /// Its URL parameter (`fuel=diesel&fuel=petrol`).
    pub param: &'static str,
    /// The facet group's title and the filter panel's legend.
    pub title: &'static str,
    /// The listing column it compares (SQL).
    pub column: &'static str,
    /// Whether the results show its values with counts (a facet group).
    pub counted: bool,
    /// `(slug, label)` of each value, in the order people see them.
    pub values: &'static [(&'static str, &'static str)],
    /// The value a word typed in the search box names (normalised; English and Bulgarian).
    pub word: fn(&str) -> Option<&'static str>,
}

/// Every closed-vocabulary facet, in the order the filter panel and the facets show them.
pub const VOCABS: [VocabFacet; VOCAB_COUNT] = [
    VocabFacet {
        vocab: Vocab::Fuel,
        param: "fuel",
        title: "Fuel",
        column: "fuel",
        counted: true,
        values: Fuel::VALUES,
        word: Fuel::word_slug,
    },
    VocabFacet {
        vocab: Vocab::Gearbox,
        param: "gearbox",
        title: "Gearbox",
        column: "transmission",
        counted: true,
        values: Transmission::VALUES,
        word: Transmission::word_slug,
    },
    VocabFacet {
        vocab: Vocab::Body,
        param: "body",
        title: "Body",
        column: "body",
        counted: true,
        values: Body::VALUES,
        word: Body::word_slug,
    },
    VocabFacet {
        vocab: Vocab::Colour,
        param: "colour",
        title: "Colour",
        column: "colour",
        counted: false,
        values: Colour::VALUES,
        word: Colour::word_slug,
    },
    VocabFacet {
        vocab: Vocab::Condition,
        param: "condition",
        title: "Condition",
        column: "condition",
        counted: false,
        values: Condition::VALUES,
        word: Condition::word_slug,
    },
    VocabFacet {
        vocab: Vocab::Seller,
        param: "seller",
        title: "Seller",
        column: "seller_type",
        counted: true,
        values: SellerType::VALUES,
        word: SellerType::word_slug,
    },
];

impl Vocab {
    pub const ALL: [Vocab; VOCAB_COUNT] = [
        Vocab::Fuel,
        Vocab::Gearbox,
        Vocab::Body,
        Vocab::Colour,
        Vocab::Condition,
        Vocab::Seller,
    ];

    /// Its entry in [`VOCABS`].
    pub fn facet(self) -> &'static VocabFacet {
        &VOCABS[self as usize]
    }

    /// The vocabulary whose URL parameter is `param`.
    pub fn from_param(param: &str) -> Option<Vocab> {
        VOCABS.iter().find(|f| f.param == param).map(|f| f.vocab)
    }
}

impl VocabFacet {
    /// The slug `s` if it is one of this vocabulary's values.
    pub fn slug(&self, s: &str) -> Option<&'static str> {
        self.values
            .iter()
            .find(|(slug, _)| *slug == s)
            .map(|(slug, _)| *slug)
    }

    /// The label of the value `slug`; the slug itself for a value it does not know.
    pub fn label<'a>(&self, slug: &'a str) -> &'a str {
        self.values
            .iter()
            .find(|(s, _)| *s == slug)
            .map_or(slug, |(_, label)| label)
    }
}

/// The values picked per vocabulary, as slugs (parsed against the vocabulary where they come
/// in); an empty list means any value.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct Picks([Vec<String>; VOCAB_COUNT]);

impl Picks {
    /// Adds `slug` to `vocab`'s picks unless it is there already.
    pub fn add(&mut self, vocab: Vocab, slug: &str) {
        let list = &mut self[vocab];
        if !list.iter().any(|s| s == slug) {
            list.push(slug.to_string());
        }
    }

    /// The picks without `slug` of `vocab`, or with it when it was not picked.
    pub fn toggled(&self, vocab: Vocab, slug: &str) -> Picks {
        let mut out = self.clone();
        if out[vocab].iter().any(|s| s == slug) {
            out[vocab].retain(|s| s != slug);
        } else {
            out[vocab].push(slug.to_string());
        }
        out
    }

    /// Each vocabulary with its picks, in [`VOCABS`] order.
    pub fn iter(&self) -> impl Iterator<Item = (&'static VocabFacet, &[String])> {
        VOCABS.iter().zip(self.0.iter().map(Vec::as_slice))
    }

    pub fn is_empty(&self) -> bool {
        self.0.iter().all(Vec::is_empty)
    }
}

impl Index<Vocab> for Picks {
    type Output = Vec<String>;

    fn index(&self, vocab: Vocab) -> &Vec<String> {
        &self.0[vocab as usize]
    }
}

impl IndexMut<Vocab> for Picks {
    fn index_mut(&mut self, vocab: Vocab) -> &mut Vec<String> {
        &mut self.0[vocab as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_in_vocab_order_with_distinct_parameters() {
        for (i, f) in VOCABS.iter().enumerate() {
            assert_eq!(f.vocab as usize, i, "{} is out of place", f.param);
            assert_eq!(Vocab::from_param(f.param), Some(f.vocab));
            assert_eq!(Vocab::ALL[i], f.vocab);
        }
    }

    #[test]
    fn every_vocabulary_fits_a_matcher_mask_and_reads_its_own_words() {
        for f in &VOCABS {
            // the alert matcher keeps a rule's picks as a bit mask of 32 bits
            assert!(f.values.len() <= 32, "{} has too many values", f.param);
            for (slug, label) in f.values {
                assert_eq!(f.slug(slug), Some(*slug));
                assert_eq!(f.label(slug), *label);
                assert_eq!((f.word)(slug), Some(*slug), "{} reads its slug", f.param);
            }
        }
        assert_eq!((Vocab::Fuel.facet().word)("дизел"), Some("diesel"));
        assert_eq!(Vocab::Gearbox.facet().slug("diesel"), None);
    }

    #[test]
    fn picks_add_once_and_toggle() {
        let mut p = Picks::default();
        assert!(p.is_empty());
        p.add(Vocab::Fuel, "diesel");
        p.add(Vocab::Fuel, "diesel");
        p.add(Vocab::Colour, "black");
        assert_eq!(p[Vocab::Fuel], ["diesel"]);
        let off = p.toggled(Vocab::Fuel, "diesel");
        assert!(off[Vocab::Fuel].is_empty());
        assert_eq!(off[Vocab::Colour], ["black"]);
        let on = off.toggled(Vocab::Fuel, "petrol");
        assert_eq!(on[Vocab::Fuel], ["petrol"]);
        let listed: Vec<_> = p
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(f, _)| f.param)
            .collect();
        assert_eq!(listed, ["fuel", "colour"]);
    }
}
