-- Photos of a listing (src/gallery). The files live in the media store (local folder or S3);
-- this table says which exist, in what order, and whether buyers may see them yet.
create table listing_photo (
    photo_id uuid primary key default gen_random_uuid(),
    listing_id bigint not null references listing (listing_id) on delete cascade,
    -- 0 is the cover; the seller's order after that
    position integer not null,
    -- processing: uploaded, variants being made (the original waits in the store under
    -- uploads/); ready: buyers see it; failed: processing could not finish (the seller sees
    -- `error` and removes it)
    status text not null default 'processing',
    -- the file name the seller picked, shown only in their uploader
    file_name text not null default '',
    -- the upright size of the original
    width integer,
    height integer,
    -- [{kind, key, width, height, bytes}], largest first; keys are content-hashed and unique
    -- to this photo, so a key is never reused and can be cached forever
    variants jsonb not null default '[]',
    -- ThumbHash (about 25 bytes) and the same as a tiny PNG data URL the pages show until the
    -- photo arrives
    thumbhash bytea,
    placeholder text,
    -- 64-bit gradient hash, for spotting the same photo in two listings
    phash bytea,
    error text,
    -- a process that is making the variants holds the photo until then; after a crash another
    -- process (or the same one, restarted) takes it over once this has passed
    claimed_until timestamptz not null default now() + interval '2 minutes',
    attempts smallint not null default 0,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint listing_photo_status_known check (status in ('processing', 'ready', 'failed')),
    constraint listing_photo_position_range check (position >= 0),
    constraint listing_photo_ready_complete check (
        status <> 'ready' or (width is not null and height is not null and placeholder is not null)
    )
);

create index listing_photo_listing_idx on listing_photo (listing_id, position);
create index listing_photo_processing_idx on listing_photo (claimed_until) where status = 'processing';

create trigger listing_photo_set_updated_at before update on listing_photo
    for each row execute function set_updated_at();

-- The cover as search cards show it ({photo_id, variants, placeholder}), kept with
-- photo_count (ready photos only) by src/gallery/repo.rs whenever photos change, so a page of
-- cards needs no extra query.
alter table listing add column cover jsonb;
