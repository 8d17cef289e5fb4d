-- Every push rewrites the row of each tenant it touches (its heads move), under the
-- sequence lock. Filled to the brim, a page had no room for the new version of its
-- rows: four updates in five went to another page, each adding an entry to both of the
-- table's indexes, and left the old version behind (2 103 pages for 2 000 tenants after
-- 67 500 change sets, every one scanned by the next push's update). Half-filled pages
-- keep the new version next to the old one (a heap-only update: no index entry, and the
-- old version is reclaimed in place). Rows stored before this migration keep their
-- pages until the table is rewritten (`VACUUM FULL tenants`).
ALTER TABLE tenants SET (fillfactor = 50);
