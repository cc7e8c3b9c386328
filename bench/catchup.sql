-- bench/catchup.sql: fills a store that galaxy-chat created (schema
-- version and all) with :N events, fast, for the catch-up scenario.
-- bench/run substitutes :N (events) and :USERS (authors) and runs it with
-- the sqlite3 shell. Realistic rows: ~70 % in the busy persistent room NGS,
-- 20 % in `all`, 8 % spread over 50 other rooms, 2 % direct messages; each
-- message has a client_id as the browser sends, and text of 20-120 bytes.
-- The bench user u00000 (users.id 1) is made a member of NGS.
PRAGMA journal_mode = OFF;
PRAGMA synchronous = OFF;
PRAGMA cache_size = -1000000;
BEGIN;
INSERT OR IGNORE INTO users (id, username, email, gravatar, first_seen, last_seen)
  WITH RECURSIVE u(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM u LIMIT :USERS)
  SELECT i, printf('u%05d', i - 1), printf('u%05d@example.org', i - 1),
         lower(hex(randomblob(16))), '2026-01-01 00:00:00', '2026-01-01 00:00:00' FROM u;
INSERT OR IGNORE INTO rooms (name, persistent, created)
  WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r LIMIT 50)
  SELECT printf('room-%02d', i), 0, '2026-01-01 00:00:00' FROM r;
INSERT OR IGNORE INTO members (room_id, user_id, joined_at)
  SELECT id, 1, '2026-01-01 00:00:00' FROM rooms WHERE name = 'NGS';
CREATE TEMP TABLE rmap AS SELECT
  (SELECT id FROM rooms WHERE name = 'NGS') AS ngs,
  (SELECT id FROM rooms WHERE name = 'all') AS allr,
  (SELECT min(id) FROM rooms WHERE name LIKE 'room-%') AS r0;
INSERT INTO events (ts, type, room_id, user_id, username, to_user_id, text, client_id)
  WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT :N)
  SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 1735689600 + x * 2.5, 'unixepoch'),
         CASE WHEN x % 50 = 7 THEN 'direct' ELSE 'message' END,
         CASE WHEN x % 50 = 7 THEN NULL
              WHEN x % 10 < 7 THEN rmap.ngs
              WHEN x % 10 < 9 THEN rmap.allr
              ELSE rmap.r0 + x % 50 END,
         1 + (x * 7919) % :USERS, printf('u%05d', (x * 7919) % :USERS),
         CASE WHEN x % 50 = 7 THEN 1 + (x * 104729) % :USERS END,
         substr('has anyone run HISAT2 on paired-end data with the new index? the job ' ||
                'fails after the alignment step with an out of memory error on our cluster',
                1, 20 + (x * 31) % 100) || ' #' || x,
         printf('%08x-%04x', x, x % 65536)
  FROM c, rmap;
COMMIT;
PRAGMA journal_mode = WAL;
