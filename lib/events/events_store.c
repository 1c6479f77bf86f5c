/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/events: the SQLite file.
 *
 *   PRAGMA application_id = 0x77774576 ("wwEv": the file is ours)
 *   PRAGMA user_version = 1            (the schema below)
 *   events(id INTEGER PRIMARY KEY, time REAL, category, level, event,
 *          src_ip, dest_ip TEXT, src_port, dest_port, proto, count INTEGER,
 *          json TEXT)
 *   indexes: (time), and (X, time) for X each column a query filters on:
 *            category, level, event, src_ip, dest_ip
 *
 * Each filter has its index so that the total (a COUNT(*)) never reads
 * the whole table: over 1,000,000 rows a level filter took 300 ms without
 * one. The address indexes cost the most to keep (an address is anywhere
 * in its index: a batch dirties a page per row, where the others append)
 * and are what makes "addr" answer in a millisecond instead of 400.
 *
 * A file that holds anything else is refused untouched: the store deletes
 * rows, it must never do so in somebody else's database.
 *
 * Retention's "now" is the newest event time stored, not the wall clock:
 * events replayed from an old capture are not all expired on arrival, and
 * a clock set wrong does not empty the store. Times come from one clock
 * (the caller's); an event far in the future would age the others.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "events_priv.h"

#define STORE_APP_ID 2004305270     /* 0x77774576, "wwEv" */
#define STORE_VERSION 1
#define STORE_CACHE_KIB 32768       /* the writer's page cache */
#define STORE_CHECKPOINT 8192       /* pages of log between checkpoints */
#define STR(x) #x
#define XSTR(x) STR(x)

#define COL_TEXT(id, name) #name " TEXT, "
#define COL_INT(id, name) #name " INTEGER, "
#define COL_NAME(id, name) ", " #name
#define COL_PARAM(id, name) ", ?"

static const char schema_sql[] =
	"CREATE TABLE events (id INTEGER PRIMARY KEY, time REAL NOT NULL, "
	WW_EV_TEXT_COLUMNS(COL_TEXT) WW_EV_INT_COLUMNS(COL_INT)
	"json TEXT NOT NULL);"
	"CREATE INDEX events_time ON events (time);"
	"CREATE INDEX events_category_time ON events (category, time);"
	"CREATE INDEX events_level_time ON events (level, time);"
	"CREATE INDEX events_event_time ON events (event, time);"
	"CREATE INDEX events_src_ip_time ON events (src_ip, time);"
	"CREATE INDEX events_dest_ip_time ON events (dest_ip, time);"
	"PRAGMA application_id = " XSTR(STORE_APP_ID) ";"
	"PRAGMA user_version = " XSTR(STORE_VERSION) ";";

/* Parameters in the order row_bind() binds them. */
static const char insert_sql[] =
	"INSERT INTO events (time" WW_EV_TEXT_COLUMNS(COL_NAME)
	WW_EV_INT_COLUMNS(COL_NAME) ", json) VALUES (?"
	WW_EV_TEXT_COLUMNS(COL_PARAM) WW_EV_INT_COLUMNS(COL_PARAM) ", ?)";

static const char expire_age_sql[] = "DELETE FROM events WHERE time < ?";
/* (time, id) is the order of the time index: no sort */
static const char expire_rows_sql[] =
	"DELETE FROM events WHERE id IN "
	"(SELECT id FROM events ORDER BY time, id LIMIT ?)";

int
ww_ev_sqlite_errno(sqlite3 *db, int rc)
{
	switch (rc & 0xff) {
	case SQLITE_OK: return 0;
	case SQLITE_BUSY:
	case SQLITE_LOCKED: return -EBUSY;
	case SQLITE_NOMEM: return -ENOMEM;
	case SQLITE_FULL: return -ENOSPC;
	case SQLITE_READONLY:
	case SQLITE_PERM:
	case SQLITE_AUTH: return -EACCES;
	default:
		/* the system's reason when there is one (EACCES, ENOENT...) */
		return db != NULL && sqlite3_system_errno(db) != 0 ?
		       -sqlite3_system_errno(db) : -EIO;
	}
}

/* "PATH: what: SQLite's reason", and the matching -errno. */
static int
db_fail(struct ww_events *e, int rc, const char *what, char *err,
	size_t size)
{
	const char *why = e->db != NULL ? sqlite3_errmsg(e->db) :
			  sqlite3_errstr(rc);

	if ((rc & 0xff) == SQLITE_NOTADB)
		return ww_ev_fail(err, size, -EINVAL,
				  "%s: not an SQLite database, so not a wirewall event store",
				  e->db_path);
	return ww_ev_fail(err, size, ww_ev_sqlite_errno(e->db, rc),
			  "%s: %s: %s", e->db_path, what, why);
}

/* The integer a one-row statement gives (0 for NULL). */
static int
one_int(sqlite3 *db, const char *sql, int64_t *out)
{
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);

	if (rc != SQLITE_OK)
		return rc;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*out = sqlite3_column_int64(st, 0);
		rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	return rc;
}

static int
db_open(struct ww_events *e, sqlite3 **db, bool reader, char *err,
	size_t size)
{
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
	int rc;

	/* our locks serialise each connection: SQLite's mutexes are not needed */
	if (!reader)
		flags |= SQLITE_OPEN_CREATE;
	rc = sqlite3_open_v2(e->db_path, db, flags, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_busy_timeout(*db, WW_EV_BUSY_MS);
	if (rc == SQLITE_OK && reader)
		rc = sqlite3_exec(*db, "PRAGMA query_only = 1", NULL, NULL,
				  NULL);
	if (rc != SQLITE_OK)
		return ww_ev_fail(err, size, ww_ev_sqlite_errno(*db, rc),
				  "%s: cannot open: %s", e->db_path,
				  *db != NULL ? sqlite3_errmsg(*db) :
				  sqlite3_errstr(rc));
	return 0;
}

/* Is the file ours? In a write transaction, so that two wirewalls do not
 * both create the schema. @return 0 (ours), 1 (empty: create), -errno. */
static int
identity(struct ww_events *e, char *err, size_t size)
{
	int64_t app = 0, ver = 0, objects = 0;
	int rc;

	rc = one_int(e->db, "PRAGMA application_id", &app);
	if (rc == SQLITE_OK)
		rc = one_int(e->db, "PRAGMA user_version", &ver);
	if (rc == SQLITE_OK)
		rc = one_int(e->db, "SELECT count(*) FROM sqlite_master",
			     &objects);
	if (rc != SQLITE_OK)
		return db_fail(e, rc, "cannot read", err, size);
	if (app != STORE_APP_ID && (app != 0 || objects != 0))
		return ww_ev_fail(err, size, -EINVAL,
				  "%s: not a wirewall event store (SQLite, application_id 0x%08llx, %lld tables and indexes): left as it is",
				  e->db_path, (unsigned long long)app,
				  (long long)objects);
	if (app == 0)
		return 1;
	if (ver != STORE_VERSION)
		return ww_ev_fail(err, size, -EINVAL,
				  "%s: wirewall event store version %lld, this wirewall knows version %d only",
				  e->db_path, (long long)ver, STORE_VERSION);
	return 0;
}

static int
schema(struct ww_events *e, char *err, size_t size)
{
	int rc, ret;

	rc = sqlite3_exec(e->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		return db_fail(e, rc, "cannot lock", err, size);
	ret = identity(e, err, size);
	if (ret == 1) {
		rc = sqlite3_exec(e->db, schema_sql, NULL, NULL, NULL);
		ret = rc == SQLITE_OK ? 0 :
		      db_fail(e, rc, "cannot create the tables", err, size);
	}
	if (ret == 0) {
		rc = sqlite3_exec(e->db, "COMMIT", NULL, NULL, NULL);
		if (rc != SQLITE_OK)
			ret = db_fail(e, rc, "cannot commit", err, size);
	}
	if (ret != 0)
		sqlite3_exec(e->db, "ROLLBACK", NULL, NULL, NULL);
	return ret;
}

/* WAL: a kill -9 loses the uncommitted batch at most, and readers never
 * wait for the writer. NORMAL: no fsync per commit (the power cut may
 * lose the last batches, not the file). The cache and the log are larger
 * than SQLite's defaults (2 MiB, 1000 pages) because a batch dirties a page
 * of each address index per row: over 1,000,000 rows, these halve the CPU
 * a batch costs, and a checkpoint writes a page once for several batches. */
static int
pragmas(struct ww_events *e, char *err, size_t size)
{
	const unsigned char *mode = NULL;
	sqlite3_stmt *st;
	bool wal = false;
	int rc;

	rc = sqlite3_prepare_v2(e->db, "PRAGMA journal_mode = WAL", -1, &st,
				NULL);
	if (rc == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
		mode = sqlite3_column_text(st, 0);
		wal = mode != NULL && strcmp((const char *)mode, "wal") == 0;
	}
	rc = sqlite3_finalize(st);
	if (rc != SQLITE_OK)
		return db_fail(e, rc, "journal_mode=WAL", err, size);
	if (!wal)
		return ww_ev_fail(err, size, -ENOTSUP,
				  "%s: cannot use a write-ahead log (does the file system support shared memory?)",
				  e->db_path);
	rc = sqlite3_exec(e->db, "PRAGMA synchronous = NORMAL;"
			  "PRAGMA cache_size = -" XSTR(STORE_CACHE_KIB) ";"
			  "PRAGMA wal_autocheckpoint = " XSTR(STORE_CHECKPOINT),
			  NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		return db_fail(e, rc, "pragmas", err, size);
	return 0;
}

static int
prepare(struct ww_events *e, char *err, size_t size)
{
	const unsigned int f = SQLITE_PREPARE_PERSISTENT;
	int rc;

	rc = sqlite3_prepare_v3(e->db, insert_sql, -1, f, &e->insert, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v3(e->db, expire_age_sql, -1, f,
					&e->expire_age, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v3(e->db, expire_rows_sql, -1, f,
					&e->expire_rows, NULL);
	if (rc != SQLITE_OK)
		return db_fail(e, rc, "the events table is not as expected",
			       err, size);
	return 0;
}

/* Where retention starts from: the rows and the newest time. */
static int
load_state(struct ww_events *e, char *err, size_t size)
{
	int64_t rows = 0;
	sqlite3_stmt *st;
	int rc;

	rc = one_int(e->db, "SELECT count(*) FROM events", &rows);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(e->db, "SELECT max(time) FROM events",
					-1, &st, NULL);
	if (rc != SQLITE_OK)
		return db_fail(e, rc, "cannot count the events", err, size);
	if (sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_type(st, 0) != SQLITE_NULL)
		e->newest = sqlite3_column_double(st, 0);
	rc = sqlite3_finalize(st);
	if (rc != SQLITE_OK)
		return db_fail(e, rc, "cannot count the events", err, size);
	e->st.rows = (uint64_t)rows;
	return 0;
}

int
ww_ev_store_open(struct ww_events *e, char *err, size_t size)
{
	int ret;

	ret = db_open(e, &e->db, false, err, size);
	if (ret == 0)
		ret = schema(e, err, size);
	if (ret == 0)
		ret = pragmas(e, err, size);
	if (ret == 0)
		ret = prepare(e, err, size);
	if (ret == 0)
		ret = load_state(e, err, size);
	if (ret == 0)
		ret = db_open(e, &e->rdb, true, err, size);
	/* the limits may be lower than when the rows were stored */
	if (ret != 0)
		return ret;
	ret = ww_ev_store_commit(e, NULL, 0);
	if (ret != 0)
		ww_ev_fail(err, size, ret, "%s: retention: %s", e->db_path,
			   strerror(-ret));
	return ret;
}

void
ww_ev_store_close(struct ww_events *e)
{
	sqlite3_finalize(e->insert);
	sqlite3_finalize(e->expire_age);
	sqlite3_finalize(e->expire_rows);
	e->insert = e->expire_age = e->expire_rows = NULL;
	/* the last connection to close checkpoints and removes the log */
	sqlite3_close(e->rdb);
	sqlite3_close(e->db);
	e->rdb = e->db = NULL;
}

static int
row_insert(struct ww_events *e, const struct ww_ev_row *r)
{
	sqlite3_stmt *st = e->insert;
	int i, col = 1, rc;

	sqlite3_bind_double(st, col++, r->time);
	for (i = 0; i < WW_EV_NB_TEXT; i++, col++)
		if (r->text[i] != NULL)
			sqlite3_bind_text(st, col, r->text[i], -1,
					  SQLITE_STATIC);
		else
			sqlite3_bind_null(st, col);
	for (i = 0; i < WW_EV_NB_INT; i++, col++)
		if (r->has_num & (1u << i))
			sqlite3_bind_int64(st, col, r->num[i]);
		else
			sqlite3_bind_null(st, col);
	sqlite3_bind_text(st, col, r->json, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* Delete what is too old, then the oldest beyond max_rows. */
static int
expire(struct ww_events *e, double newest, uint64_t *rows,
       uint64_t *expired)
{
	sqlite3_stmt *st;
	int rc = SQLITE_DONE;
	uint64_t n;

	if (isfinite(newest)) {
		st = e->expire_age;
		sqlite3_bind_double(st, 1, newest - e->p.max_age_s);
		rc = sqlite3_step(st);
		sqlite3_reset(st);
		n = rc == SQLITE_DONE ? (uint64_t)sqlite3_changes64(e->db) : 0;
		*rows -= n < *rows ? n : *rows;
		*expired += n;
	}
	if (rc == SQLITE_DONE && *rows > e->p.max_rows) {
		st = e->expire_rows;
		sqlite3_bind_int64(st, 1, (int64_t)(*rows - e->p.max_rows));
		rc = sqlite3_step(st);
		sqlite3_reset(st);
		n = rc == SQLITE_DONE ? (uint64_t)sqlite3_changes64(e->db) : 0;
		*rows -= n < *rows ? n : *rows;
		*expired += n;
	}
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

int
ww_ev_store_commit(struct ww_events *e, struct ww_ev_row *const *rows,
		   uint32_t n)
{
	uint64_t nrows = e->st.rows + n, expired = 0;
	double newest = e->newest;
	uint32_t i;
	int rc, ret;

	rc = sqlite3_exec(e->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	for (i = 0; rc == SQLITE_OK && i < n; i++) {
		rc = row_insert(e, rows[i]);
		if (rows[i]->time > newest)
			newest = rows[i]->time;
	}
	if (rc == SQLITE_OK)
		rc = expire(e, newest, &nrows, &expired);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(e->db, "COMMIT", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		ret = ww_ev_sqlite_errno(e->db, rc);
		if (!sqlite3_get_autocommit(e->db))
			sqlite3_exec(e->db, "ROLLBACK", NULL, NULL, NULL);
		return ret;
	}
	e->newest = newest;
	e->st.rows = nrows;
	e->st.stored += n;
	e->st.expired += expired;
	return 0;
}
