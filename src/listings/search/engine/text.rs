//! Free text: a search's words, prefixes and phrases as bitmaps of the docs that hold them.

use super::{Index, Term, TextMatch};
use roaring::{MultiOps, RoaringBitmap};

impl Index {
    pub(super) fn word(&self, w: &str) -> Option<&RoaringBitmap> {
        self.lexicon.get(w).map(|i| &self.words[*i as usize])
    }

    /// The word ids a term stands for (every known word it starts, for a prefix).
    pub(super) fn term_words(&self, word: &str, prefix: bool) -> Vec<u32> {
        if prefix {
            self.lexicon
                .range(word.to_string()..)
                .take_while(|(w, _)| w.starts_with(word))
                .map(|(_, i)| *i)
                .collect()
        } else {
            self.lexicon.get(word).copied().into_iter().collect()
        }
    }

    /// The word ids any term of a word group stands for.
    pub(super) fn group_words(&self, group: &[Term]) -> Vec<u32> {
        group
            .iter()
            .flat_map(|term| self.term_words(&term.word, term.prefix))
            .collect()
    }

    /// Per word group, the docs with it in the title, make or model (relevance tiers).
    pub(super) fn title_sets(&self, t: &TextMatch) -> Vec<RoaringBitmap> {
        t.groups
            .iter()
            .map(|group| {
                self.group_words(group)
                    .iter()
                    .filter_map(|i| self.title_words.get(i))
                    .union()
            })
            .collect()
    }

    /// The docs matching the free text.
    pub(super) fn text(&self, t: &TextMatch) -> RoaringBitmap {
        let mut sets: Vec<RoaringBitmap> = t
            .groups
            .iter()
            .map(|group| {
                self.group_words(group)
                    .iter()
                    .map(|i| &self.words[*i as usize])
                    .union()
            })
            .collect();
        for phrase in &t.phrases {
            let ids: Option<Vec<u32>> = phrase
                .iter()
                .map(|w| self.lexicon.get(w).copied())
                .collect();
            let set = match ids {
                Some(ids) => ids
                    .windows(2)
                    .map(|p| {
                        self.pairs
                            .get(&((u64::from(p[0]) << 32) | u64::from(p[1])))
                            .cloned()
                            .unwrap_or_default()
                    })
                    .intersection(),
                None => RoaringBitmap::new(),
            };
            sets.push(set);
        }
        let mut out = if sets.is_empty() {
            self.live.clone()
        } else {
            sets.sort_by_key(RoaringBitmap::len);
            sets.intersection()
        };
        for e in &t.excluded {
            if let Some(set) = self.word(e) {
                out -= set;
            }
        }
        out
    }
}
