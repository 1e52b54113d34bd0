//! Alerts: buyers turn a search into a rule and hear about matching and cheaper listings.
//! Step 1 (this module so far): the rule's must-have keywords (AND/OR/NOT, quoted phrases).
//! Rules, matching, delivery and the pages follow (see the README's "Alerts" status).

pub mod keywords;
