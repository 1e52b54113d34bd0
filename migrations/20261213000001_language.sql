-- The language a person reads Scout in: pages, and the email, push and webhook texts sent to
-- them. Set by the language switch while signed in, or from a choice made just before signing
-- in; null until they choose (pages then follow the browser).
alter table account
    add column language text constraint account_language_known check (language in ('bg', 'en'));
