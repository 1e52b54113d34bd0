//! The index's columns: categorical (a bitmap per value), a dictionary of words, numeric
//! (cumulative bitmaps per bound).

use super::{Doc, NULL, TALLY_BELOW};
use roaring::{MultiOps, RoaringBitmap};
use std::collections::HashMap;

/// A column of small values (ids, slugs turned into numbers) with a bitmap per value.
#[derive(Default)]
pub(super) struct Categorical {
    pub(super) of_doc: Vec<u32>,
    pub(super) sets: HashMap<u32, RoaringBitmap>,
}

impl Categorical {
    pub(super) fn push(&mut self, d: Doc, v: Option<u32>) {
        self.of_doc.push(v.unwrap_or(NULL));
        if let Some(v) = v {
            self.sets.entry(v).or_default().insert(d);
        }
    }

    pub(super) fn any_of(&self, values: impl IntoIterator<Item = u32>) -> RoaringBitmap {
        values.into_iter().filter_map(|v| self.sets.get(&v)).union()
    }

    /// `(value, count)` of the docs in `within`, zero counts left out.
    pub(super) fn counts(&self, within: &RoaringBitmap) -> Vec<(u32, u64)> {
        if within.len() < TALLY_BELOW {
            let mut tally: HashMap<u32, u64> = HashMap::new();
            for d in within {
                let v = self.of_doc[d as usize];
                if v != NULL {
                    *tally.entry(v).or_default() += 1;
                }
            }
            tally.into_iter().collect()
        } else {
            self.sets
                .iter()
                .map(|(v, set)| (*v, within.intersection_len(set)))
                .filter(|(_, n)| *n > 0)
                .collect()
        }
    }
}

/// Slugs as numbers, for the categorical columns.
#[derive(Default)]
pub(super) struct Dict {
    pub(super) ids: HashMap<String, u32>,
    pub(super) names: Vec<String>,
}

impl Dict {
    pub(super) fn id(&mut self, name: &str) -> u32 {
        if let Some(id) = self.ids.get(name) {
            return *id;
        }
        let id = u32::try_from(self.names.len()).unwrap_or(NULL - 1);
        self.ids.insert(name.to_string(), id);
        self.names.push(name.to_string());
        id
    }

    pub(super) fn find(&self, name: &str) -> Option<u32> {
        self.ids.get(name).copied()
    }
}

/// A numeric column: the values, and `below[k]` = the docs whose value is under `bounds[k]`,
/// so a range is a difference of two bitmaps plus a check of the docs in the two edge bands.
/// Bounds are the facet bucket bounds (exact counts without checks) and value quantiles.
pub(super) struct Numeric {
    pub(super) of_doc: Vec<i64>,
    pub(super) bounds: Vec<i64>,
    pub(super) below: Vec<RoaringBitmap>,
    pub(super) present: RoaringBitmap,
}

impl Numeric {
    pub(super) fn new(values: &[Option<i64>], fixed: &[i64], quantiles: usize) -> Numeric {
        let mut sorted: Vec<i64> = values.iter().flatten().copied().collect();
        sorted.sort_unstable();
        let mut bounds: Vec<i64> = fixed.to_vec();
        if !sorted.is_empty() {
            for q in 1..quantiles {
                bounds.push(sorted[sorted.len() * q / quantiles]);
            }
        }
        bounds.sort_unstable();
        bounds.dedup();
        Numeric {
            of_doc: Vec::new(),
            below: vec![RoaringBitmap::new(); bounds.len()],
            bounds,
            present: RoaringBitmap::new(),
        }
    }

    pub(super) fn push(&mut self, d: Doc, v: Option<i64>) {
        self.of_doc.push(v.unwrap_or(i64::MIN));
        if let Some(v) = v {
            self.present.insert(d);
            let first = self.bounds.partition_point(|b| *b <= v);
            for set in &mut self.below[first..] {
                set.insert(d);
            }
        }
    }

    /// The docs of `within` with a value under `x`.
    pub(super) fn less_than(&self, x: i64, within: &RoaringBitmap) -> RoaringBitmap {
        let j = self.bounds.partition_point(|b| *b <= x);
        let mut out = if j > 0 {
            within & &self.below[j - 1]
        } else {
            RoaringBitmap::new()
        };
        if j > 0 && self.bounds[j - 1] == x {
            return out;
        }
        let upper = self.below.get(j).unwrap_or(&self.present);
        let mut band = within & upper;
        band -= &out;
        for d in &band {
            if self.of_doc[d as usize] < x {
                out.insert(d);
            }
        }
        out
    }

    /// The docs of `within` with a value in `min..=max` (a missing value never matches).
    pub(super) fn range(
        &self,
        min: Option<i64>,
        max: Option<i64>,
        within: &RoaringBitmap,
    ) -> RoaringBitmap {
        let mut out = within & &self.present;
        if let Some(max) = max {
            out = self.less_than(max.saturating_add(1), &out);
        }
        if let Some(min) = min {
            let under = self.less_than(min, &out);
            out -= &under;
        }
        out
    }

    /// How many docs of `within` fall in each `width_bucket(value, bounds)` bucket
    /// (0 = under the first bound); `(bucket, count)`, zero counts left out.
    pub(super) fn bucket_counts(&self, bounds: &[i64], within: &RoaringBitmap) -> Vec<(u32, u64)> {
        let within = within & &self.present;
        let total = within.len();
        let mut under: Vec<u64> = bounds
            .iter()
            .map(|b| self.less_than(*b, &within).len())
            .collect();
        under.push(total);
        let mut out = Vec::new();
        let mut previous = 0;
        for (i, n) in under.into_iter().enumerate() {
            if n > previous {
                out.push((u32::try_from(i).unwrap_or(0), n - previous));
            }
            previous = n;
        }
        out
    }
}
