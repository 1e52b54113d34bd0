//! A page of results: a walk along a sort order from the cursor, by relevance, or nearest
//! first.

use super::*;

impl Index {
    pub(super) fn page(
        &self,
        all: &RoaringBitmap,
        f: &Filters,
        sort: Sort,
        after: Option<(&str, i64)>,
        limit: usize,
    ) -> Vec<(Doc, String)> {
        let int_after = |after: Option<(&str, i64)>| {
            after.and_then(|(k, id)| Some((k.parse::<i64>().ok()?, id)))
        };
        let keyed = |key: Key, desc: bool, range: (Option<i64>, Option<i64>)| {
            self.ordered(all, key, desc, int_after(after), range, limit)
                .into_iter()
                .map(|d| (d, self.key(key, d).to_string()))
                .collect()
        };
        let within = |min: Option<i32>, max: Option<i32>| (min.map(i64::from), max.map(i64::from));
        match (sort, &f.text, f.near) {
            (Sort::Relevance, Some(t), _) => {
                self.by_relevance(all, &self.title_sets(t), int_after(after), limit)
            }
            (Sort::Distance, _, Some((lat, lng, _))) => {
                let after = after.and_then(|(k, id)| Some((k.parse::<f64>().ok()?, id)));
                self.by_distance(all, (lat, lng), after, limit)
            }
            (Sort::PriceAsc, ..) => keyed(Key::Price, false, (f.price_min_eur, f.price_max_eur)),
            (Sort::PriceDesc, ..) => keyed(Key::Price, true, (f.price_min_eur, f.price_max_eur)),
            (Sort::MileageAsc, ..) => keyed(Key::Mileage, false, within(None, f.mileage_max)),
            (Sort::YearDesc, ..) => keyed(Key::Year, true, within(f.year_min, f.year_max)),
            _ => keyed(Key::Published, true, (None, None)),
        }
    }

    /// The first `limit` docs of `set` in `key` order after `after`. Walks the sorted order
    /// from the cursor (or from the edge of `range`, when the filter bounds the sort key
    /// itself) while the set is dense along it; sorts the set itself when it is small or the
    /// walk finds too few.
    pub(super) fn ordered(
        &self,
        set: &RoaringBitmap,
        key: Key,
        desc: bool,
        after: Option<(i64, i64)>,
        range: (Option<i64>, Option<i64>),
        limit: usize,
    ) -> Vec<Doc> {
        let n = set.len() as usize;
        let order = &self.orders[KEYS.iter().position(|k| *k == key).unwrap_or(0)];
        let sort_key = |d: Doc| (self.key(key, d), self.ids[d as usize]);
        let beyond = |d: Doc| match after {
            None => true,
            Some(a) if desc => sort_key(d) < a,
            Some(a) => sort_key(d) > a,
        };
        if n.saturating_mul(n) > limit.saturating_mul(order.len()).saturating_mul(4) {
            // walk: start at the cursor, or where the sort key's own range starts
            let mut start = match after {
                Some(a) if desc => order.partition_point(|d| sort_key(*d) < a),
                Some(a) => order.partition_point(|d| sort_key(*d) <= a),
                None if desc => order.len(),
                None => 0,
            };
            if desc {
                if let Some(max) = range.1 {
                    start = start.min(order.partition_point(|d| self.key(key, *d) <= max));
                }
            } else if let Some(min) = range.0 {
                start = start.max(order.partition_point(|d| self.key(key, *d) < min));
            }
            let budget = (limit * order.len() / n.max(1))
                .saturating_mul(8)
                .max(50_000);
            let mut out = Vec::with_capacity(limit);
            let mut steps = 0;
            let mut step = |d: Doc, out: &mut Vec<Doc>| {
                steps += 1;
                if set.contains(d) {
                    out.push(d);
                }
                out.len() < limit && steps < budget
            };
            if desc {
                for d in order[..start].iter().rev() {
                    if !step(*d, &mut out) {
                        break;
                    }
                }
            } else {
                for d in &order[start..] {
                    if !step(*d, &mut out) {
                        break;
                    }
                }
            }
            if out.len() == limit || steps < budget {
                return out;
            }
        }
        let mut docs: Vec<Doc> = set.iter().filter(|d| beyond(*d)).collect();
        let cmp = |a: &Doc, b: &Doc| {
            let o = sort_key(*a).cmp(&sort_key(*b));
            if desc { o.reverse() } else { o }
        };
        if docs.len() > limit {
            docs.select_nth_unstable_by(limit, cmp);
            docs.truncate(limit);
        }
        docs.sort_unstable_by(cmp);
        docs
    }

    /// Relevance: the number of word groups found in the title (or make, model), then newest.
    /// The cursor key is `tier * 10^16 + published epoch microseconds`.
    pub(super) fn by_relevance(
        &self,
        all: &RoaringBitmap,
        titles: &[RoaringBitmap],
        after: Option<(i64, i64)>,
        limit: usize,
    ) -> Vec<(Doc, String)> {
        const TIER: i64 = 10_000_000_000_000_000;
        // tiers[k]: the docs found in exactly k title sets
        let mut tiers: Vec<RoaringBitmap> = vec![all.clone()];
        for title in titles {
            tiers.push(RoaringBitmap::new());
            for k in (0..tiers.len() - 1).rev() {
                let moved = &tiers[k] & title;
                if !moved.is_empty() {
                    tiers[k] -= &moved;
                    tiers[k + 1] |= moved;
                }
            }
        }
        let mut out = Vec::new();
        for (tier, docs) in tiers.iter().enumerate().rev() {
            let tier = i64::try_from(tier).unwrap_or(0);
            let after = match after {
                Some((key, _)) if key.div_euclid(TIER) < tier => continue,
                Some((key, id)) if key.div_euclid(TIER) == tier => Some((key.rem_euclid(TIER), id)),
                _ => None,
            };
            for d in self.ordered(
                docs,
                Key::Published,
                true,
                after,
                (None, None),
                limit - out.len(),
            ) {
                out.push((d, (tier * TIER + self.key(Key::Published, d)).to_string()));
            }
            if out.len() == limit {
                break;
            }
        }
        out
    }

    /// Nearest first (ties by id), visiting geo cells nearest first and stopping once no
    /// unvisited cell can hold anything nearer than the page's last result.
    pub(super) fn by_distance(
        &self,
        all: &RoaringBitmap,
        from: (f64, f64),
        after: Option<(f64, i64)>,
        limit: usize,
    ) -> Vec<(Doc, String)> {
        let mut cells: Vec<(f64, &RoaringBitmap)> = self
            .cells
            .iter()
            .map(|((a, b), docs)| {
                let centre = (
                    (f64::from(*a) + 0.5) * CELL_DEGREES,
                    (f64::from(*b) + 0.5) * CELL_DEGREES,
                );
                (
                    (earth_distance(from, centre) - self.cell_reach).max(0.0),
                    docs,
                )
            })
            .collect();
        cells.sort_by(|a, b| a.0.total_cmp(&b.0));
        let beyond = |x: (f64, i64)| match after {
            None => true,
            Some(a) => x.0 > a.0 || (x.0 == a.0 && x.1 > a.1),
        };
        let mut found: Vec<(f64, i64, Doc)> = Vec::new();
        if limit == 0 {
            return Vec::new();
        }
        for (nearest, docs) in cells {
            if found.len() >= limit {
                found.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
                found.truncate(limit);
                if found[limit - 1].0 < nearest {
                    break;
                }
            }
            for d in &(docs & all) {
                let i = d as usize;
                let x = (
                    earth_distance(from, (self.lat[i], self.lng[i])),
                    self.ids[i],
                );
                if beyond(x) {
                    found.push((x.0, x.1, d));
                }
            }
        }
        found.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        found.truncate(limit);
        found
            .into_iter()
            .map(|(dist, _, d)| (d, format!("{dist:?}")))
            .collect()
    }
}
