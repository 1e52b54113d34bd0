-- A photo's files may be shared by several photos (the demo data gives thousands of listings
-- copies of a few dozen photos made once through the pipeline). Files are deleted only when
-- no photo uses them any more; this index answers "does another photo use this key?".
create index listing_photo_variants_idx on listing_photo using gin (variants jsonb_path_ops);
