/*
 * store.c - SQLite store: schema, migrations, and the writes of the import
 * path (see store.h for the contract and invariants).
 *
 * Data structure: one sqlite3 connection, a set of prepared statements made
 * once at open (one INSERT per register, built from the register
 * definitions so column lists cannot drift from registers.c), and one
 * in-memory map per entity kind from key to id (strmap), filled lazily from
 * the entity table on first use.
 *
 * Durability: WAL with synchronous=NORMAL. A commit survives a process crash
 * (the WAL is on disk before COMMIT returns); a power cut may lose the last
 * transactions but never corrupts the file. The importer commits in batches,
 * so a killed import keeps every committed batch and a re-run completes it.
 *
 * Bulk load (store_bulk_begin .. store_bulk_commit): one transaction per
 * file, the register table's secondary indexes dropped and rebuilt inside
 * it, new entities queued in memory with the ids an INSERT would give them
 * and written in id order at the commit, under a rollback journal when no
 * other connection is open (then back to WAL). All or nothing: a crash at
 * any point leaves the store as it was.
 */
#include "store/store.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/privfile.h"
#include "base/strmap.h"

struct store {
    sqlite3 *db;
    sqlite3_stmt *ins_row[REG_COUNT];
    sqlite3_stmt *ins_entity[ENT_COUNT];
    sqlite3_stmt *ins_reject;
    sqlite3_stmt *sel_entity_key[ENT_COUNT];
    strmap_t ent_map[ENT_COUNT];
    int ent_loaded[ENT_COUNT];
    char host[128];
    int tx_depth; /* store_begin() nesting: 1 = the transaction, > 1 = savepoints */
    /* store_prepare_cached(): statements built at run time (the API's
     * filtered queries), by their exact text; the least recently used
     * goes when full */
    struct {
        char *sql;
        sqlite3_stmt *s;
        uint64_t used;
        int busy;
    } cache[STORE_STMT_CACHE];
    uint64_t cache_clock;
    /* store_bulk_begin() .. store_bulk_commit(): one transaction; a new
     * entity gets its id (max + 1, as an INSERT would give it) in the map
     * only and is queued; the queue is written in id order at commit,
     * after the rows, and the dropped indexes of the register's table are
     * built again from their own SQL text. */
    int bulk;
    int bulk_journal; /* 1: switched from WAL to a rollback journal for it */
    int64_t bulk_next[ENT_COUNT]; /* next id of a kind; 0: not read yet */
    struct bulk_ent {
        const char *key; /* in ent_map's arena */
        uint32_t len;
        int64_t id;
    } *bulk_new[ENT_COUNT];
    size_t bulk_n[ENT_COUNT], bulk_cap[ENT_COUNT];
    char **bulk_index_sql; /* CREATE INDEX statements to run again */
    size_t bulk_nindex;
};

static const char *const entity_tables[ENT_COUNT] = {"worker", "employer", "intermediary",
                                                     "address", "phone"};

/* The migrations, one SQL file each (src/store/migrations/NNNN-name.sql,
 * frozen once released), embedded at build time by cmake/embed_sql.cmake:
 * store_migration_sql[v] takes the schema from version v to v + 1. */
extern const char *const store_migration_sql[];
extern const int store_migration_count;
#define NMIGRATIONS store_migration_count

tw_err_t store_db_error(store_t *st, tw_errinfo_t *ei, const char *what)
{
    return tw_errinfo_set(ei, TW_EDB, "%s: %s", what, store_errmsg(st));
}

static tw_err_t db_err(store_t *st, tw_errinfo_t *ei, const char *what)
{
    return store_db_error(st, ei, what);
}

sqlite3 *store_sqlite(store_t *st)
{
    return st->db;
}

const char *store_errmsg(store_t *st)
{
    return st && st->db ? sqlite3_errmsg(st->db) : "no database";
}

static tw_err_t exec(store_t *st, const char *sql, tw_errinfo_t *ei)
{
    char *msg = NULL;
    if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        if (ei)
            tw_errinfo_set(ei, TW_EDB, "%s", msg ? msg : "sqlite error");
        sqlite3_free(msg);
        return TW_EDB;
    }
    return TW_OK;
}

int store_schema_version(store_t *st)
{
    sqlite3_stmt *s;
    int v = -1;
    if (sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &s, NULL) != SQLITE_OK)
        return -1;
    if (sqlite3_step(s) == SQLITE_ROW)
        v = sqlite3_column_int(s, 0);
    sqlite3_finalize(s);
    return v;
}

static tw_err_t migrate(store_t *st, tw_errinfo_t *ei)
{
    int v = store_schema_version(st);
    char pragma[64];
    tw_err_t err = TW_OK;

    if (STORE_SCHEMA_VERSION != NMIGRATIONS)
        return tw_errinfo_set(ei, TW_EINTERNAL,
                              "this tipwatch was built with %d migrations for schema version %d",
                              NMIGRATIONS, STORE_SCHEMA_VERSION);
    if (v < 0)
        return db_err(st, ei, "reading the schema version");
    if (v > (int)NMIGRATIONS)
        return tw_errinfo_set(ei, TW_EINPUT,
                              "database schema version %d is newer than this tipwatch (%d)",
                              v, (int)NMIGRATIONS);
    for (; v < (int)NMIGRATIONS; v++) {
        if ((err = exec(st, "BEGIN IMMEDIATE", ei)) != TW_OK)
            return err;
        snprintf(pragma, sizeof(pragma), "PRAGMA user_version=%d", v + 1);
        err = exec(st, store_migration_sql[v], ei);
        if (err != TW_OK || (err = exec(st, pragma, ei)) != TW_OK) {
            exec(st, "ROLLBACK", NULL);
            return err;
        }
        if ((err = exec(st, "COMMIT", ei)) != TW_OK)
            return err;
    }
    return TW_OK;
}

/* INSERT INTO <table>(row_key, version, content_hash, batch_id, source_line,
 * <columns and their normal forms>, <links>, extra) VALUES (?, ...). */
static tw_err_t prepare_row_insert(store_t *st, reg_id_t reg, tw_errinfo_t *ei)
{
    static const char *const links[REG_COUNT] = {
        [REG_PERMITS] = (",worker_ref,employer_ref,intermediary_ref,worker_address_ref,"
                         "workplace_address_ref,worker_phone_ref"),
        [REG_BORDER] = ",worker_ref",
        [REG_INSPECTIONS] = ",employer_ref",
        [REG_REPORTS] = ",employer_ref,address_ref,phone_ref",
        [REG_OUTCOMES] = ""};
    const reg_def_t *def = reg_get(reg);
    tw_buf_t sql;
    size_t i, nparams = 5;
    const char *p;
    tw_err_t err = TW_OK;

    buf_init(&sql, 1 << 16);
    if ((err = buf_printf(&sql, "INSERT INTO %s(row_key,version,content_hash,batch_id,"
                                "source_line", def->table)) != TW_OK)
        goto out;
    for (i = 0; i < def->ncols; i++) {
        if ((err = buf_printf(&sql, ",%s", def->cols[i].name)) != TW_OK)
            goto out;
        nparams++;
        if (reg_column_has_norm(&def->cols[i])) {
            if ((err = buf_printf(&sql, ",%s%s", def->cols[i].name,
                                  reg_column_norm_suffix(&def->cols[i]))) != TW_OK)
                goto out;
            nparams++;
        }
    }
    if ((err = buf_adds(&sql, links[reg])) != TW_OK)
        goto out;
    for (p = links[reg]; *p; p++)
        nparams += (*p == ',');
    if ((err = buf_adds(&sql, ",extra) VALUES (?")) != TW_OK)
        goto out;
    nparams++;
    for (i = 1; i < nparams; i++) {
        if ((err = buf_adds(&sql, ",?")) != TW_OK)
            goto out;
    }
    if ((err = buf_adds(&sql, ")")) != TW_OK)
        goto out;
    if (sqlite3_prepare_v3(st->db, buf_str(&sql), -1, SQLITE_PREPARE_PERSISTENT,
                           &st->ins_row[reg], NULL) != SQLITE_OK)
        err = db_err(st, ei, "preparing the register insert");
out:
    buf_free(&sql);
    return err;
}

static tw_err_t prepare_all(store_t *st, tw_errinfo_t *ei)
{
    char sql[128];
    int i;
    tw_err_t err;

    for (i = 0; i < REG_COUNT; i++) {
        if ((err = prepare_row_insert(st, (reg_id_t)i, ei)) != TW_OK)
            return err;
    }
    for (i = 0; i < ENT_COUNT; i++) {
        snprintf(sql, sizeof(sql), "INSERT INTO %s(key) VALUES (?)", entity_tables[i]);
        if (sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st->ins_entity[i],
                               NULL) != SQLITE_OK)
            return db_err(st, ei, "preparing the entity insert");
    }
    if (sqlite3_prepare_v3(st->db,
                           "INSERT INTO reject(batch_id,register,line,column_no,field,severity,"
                           "reason,raw,raw_hash) VALUES (?,?,?,?,?,?,?,?,?) "
                           "ON CONFLICT DO NOTHING",
                           -1, SQLITE_PREPARE_PERSISTENT, &st->ins_reject, NULL) != SQLITE_OK)
        return db_err(st, ei, "preparing the reject insert");
    return TW_OK;
}

/* SQLite counts every allocation for sqlite3_memory_used() under a global
 * mutex (two locks per malloc); nothing here reads those counters, and the
 * import's writer spends a few per cent of its time on them. Must run
 * before SQLite initialises: every connection is opened below. */
static pthread_once_t sqlite_setup_once = PTHREAD_ONCE_INIT;
static void sqlite_setup(void)
{
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

const char *store_sqlite_version(void)
{
    return sqlite3_libversion();
}

tw_err_t store_open(const char *path, store_t **out, tw_errinfo_t *ei)
{
    store_t *st;
    tw_err_t err;
    int i;

    *out = NULL;
    pthread_once(&sqlite_setup_once, sqlite_setup);
    if (sqlite3_libversion_number() < STORE_SQLITE_MIN) {
        if (ei) {
            tw_errinfo_file(ei, path);
            tw_errinfo_set(ei, TW_EINTERNAL,
                           "SQLite %s has the WAL-reset bug, which loses committed data; "
                           "tipwatch needs 3.51.3 or later (scripts/sqlite-src.sh)",
                           sqlite3_libversion());
        }
        return TW_EINTERNAL;
    }
    st = calloc(1, sizeof(*st));
    if (!st)
        return TW_ENOMEM;
    for (i = 0; i < ENT_COUNT; i++)
        strmap_init(&st->ent_map[i]);
    if (gethostname(st->host, sizeof(st->host) - 1) != 0)
        snprintf(st->host, sizeof(st->host), "localhost");
    /* personal data: a new store is 0600, and SQLite gives its -wal and
     * -shm files the store's mode (README, "Files and their modes") */
    if (strcmp(path, ":memory:") != 0 && path[0] && privfile_touch(path) != 0 &&
        errno != ENOENT && errno != EACCES && errno != EROFS) {
        if (ei) {
            tw_errinfo_file(ei, path);
            tw_errinfo_set(ei, TW_EIO, "cannot create the database: %s", strerror(errno));
        }
        err = TW_EIO;
        goto fail;
    }
    /* NOMUTEX: a store_t is used by one thread at a time (store.h), so
     * SQLite's per-call connection mutex is pure overhead. */
    if (sqlite3_open_v2(path, &st->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) !=
        SQLITE_OK) {
        if (ei) {
            tw_errinfo_file(ei, path);
            tw_errinfo_set(ei, TW_EIO, "cannot open database: %s",
                           st->db ? sqlite3_errmsg(st->db) : "out of memory");
        }
        err = TW_EIO;
        goto fail;
    }
    sqlite3_busy_timeout(st->db, 30000);
    sqlite3_extended_result_codes(st->db, 1);
    if ((err = exec(st,
                    "PRAGMA page_size=8192; PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
                    "PRAGMA foreign_keys=ON; PRAGMA cache_size=-65536;"
                    "PRAGMA temp_store=MEMORY; PRAGMA mmap_size=1073741824;"
                    "PRAGMA journal_size_limit=134217728;",
                    ei)) != TW_OK)
        goto fail;
    if ((err = migrate(st, ei)) != TW_OK)
        goto fail;
    if ((err = prepare_all(st, ei)) != TW_OK)
        goto fail;
    *out = st;
    return TW_OK;
fail:
    if (ei && !ei->file[0])
        tw_errinfo_file(ei, path);
    store_close(st);
    return err;
}

void store_close(store_t *st)
{
    int i;
    if (!st)
        return;
    for (i = 0; i < REG_COUNT; i++)
        sqlite3_finalize(st->ins_row[i]);
    for (i = 0; i < ENT_COUNT; i++) {
        sqlite3_finalize(st->ins_entity[i]);
        sqlite3_finalize(st->sel_entity_key[i]);
        strmap_free(&st->ent_map[i]);
    }
    sqlite3_finalize(st->ins_reject);
    if (st->bulk)
        store_bulk_rollback(st);
    for (i = 0; i < STORE_STMT_CACHE; i++) {
        sqlite3_finalize(st->cache[i].s);
        free(st->cache[i].sql);
    }
    sqlite3_close(st->db);
    free(st);
}

void store_autocheckpoint(store_t *st, int pages)
{
    sqlite3_wal_autocheckpoint(st->db, pages);
}

tw_err_t store_checkpoint(store_t *st, int *wal_pages, int *copied)
{
    int log = 0, ckpt = 0, rc;

    rc = sqlite3_wal_checkpoint_v2(st->db, NULL, SQLITE_CHECKPOINT_PASSIVE, &log, &ckpt);
    if (wal_pages)
        *wal_pages = log;
    if (copied)
        *copied = ckpt;
    return rc == SQLITE_OK || rc == SQLITE_BUSY ? TW_OK : TW_EDB;
}

/* Busy handler of a bounded truncating checkpoint: retries every 100 us
 * (SQLite's own handler sleeps 1, 2, 5, 10 ... ms, far longer than a
 * request's read lasts) until the budget in *ctx (in tries) runs out. */
static int fine_busy(void *ctx, int n)
{
    struct timespec ts = {0, 100 * 1000};
    if (n >= *(int *)ctx)
        return 0;
    nanosleep(&ts, NULL);
    return 1;
}

tw_err_t store_checkpoint_restart(store_t *st, int max_wait_ms)
{
    int tries = max_wait_ms * 10, rc;

    sqlite3_busy_handler(st->db, fine_busy, &tries);
    rc = sqlite3_wal_checkpoint_v2(st->db, NULL, SQLITE_CHECKPOINT_RESTART, NULL, NULL);
    sqlite3_busy_timeout(st->db, 30000); /* store_open()'s */
    return rc == SQLITE_OK ? TW_OK : rc == SQLITE_BUSY ? TW_ECONFLICT : TW_EDB;
}

tw_err_t store_checkpoint_truncate(store_t *st, int max_wait_ms)
{
    int tries = max_wait_ms * 10, rc;

    sqlite3_busy_handler(st->db, fine_busy, &tries);
    rc = sqlite3_wal_checkpoint_v2(st->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
    sqlite3_busy_timeout(st->db, 30000); /* store_open()'s */
    return rc == SQLITE_OK ? TW_OK : rc == SQLITE_BUSY ? TW_ECONFLICT : TW_EDB;
}

tw_err_t store_prepare_cached(store_t *st, const char *sql, sqlite3_stmt **out)
{
    size_t i, victim = STORE_STMT_CACHE;
    sqlite3_stmt *s = NULL;
    char *copy;

    *out = NULL;
    for (i = 0; i < STORE_STMT_CACHE; i++) {
        if (st->cache[i].s && !st->cache[i].busy && strcmp(st->cache[i].sql, sql) == 0) {
            st->cache[i].used = ++st->cache_clock;
            st->cache[i].busy = 1;
            *out = st->cache[i].s;
            return TW_OK;
        }
    }
    if (sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, NULL) != SQLITE_OK)
        return TW_EIO;
    /* a free slot, else the least recently used idle one; none idle (every
     * slot in use by the caller at once): the statement is not kept */
    for (i = 0; i < STORE_STMT_CACHE; i++) {
        if (st->cache[i].busy)
            continue;
        if (!st->cache[i].s) {
            victim = i;
            break;
        }
        if (victim == STORE_STMT_CACHE || st->cache[i].used < st->cache[victim].used)
            victim = i;
    }
    if (victim == STORE_STMT_CACHE || !(copy = strdup(sql))) {
        *out = s;
        return TW_OK;
    }
    sqlite3_finalize(st->cache[victim].s);
    free(st->cache[victim].sql);
    st->cache[victim].sql = copy;
    st->cache[victim].s = s;
    st->cache[victim].used = ++st->cache_clock;
    st->cache[victim].busy = 1;
    *out = s;
    return TW_OK;
}

void store_release_cached(store_t *st, sqlite3_stmt *s)
{
    size_t i;

    if (!s)
        return;
    for (i = 0; i < STORE_STMT_CACHE; i++) {
        if (st->cache[i].s == s) {
            sqlite3_reset(s);
            sqlite3_clear_bindings(s);
            st->cache[i].busy = 0;
            return;
        }
    }
    sqlite3_finalize(s); /* one that was not kept */
}

/* Nested calls (a caller's transaction around a function that opens its
 * own, e.g. the HTTP API writing an alert change and its audit entry
 * together) become savepoints: the inner commit releases, the inner
 * rollback undoes only the inner part, and only the outermost COMMIT makes
 * anything durable. */
tw_err_t store_begin(store_t *st)
{
    tw_err_t err;
    if (st->tx_depth > 0 && !sqlite3_get_autocommit(st->db))
        err = exec(st, "SAVEPOINT tw_nested", NULL);
    else
        err = exec(st, "BEGIN IMMEDIATE", NULL);
    if (err == TW_OK)
        st->tx_depth = sqlite3_get_autocommit(st->db) ? 0 : st->tx_depth + 1;
    return err;
}

/* The entity maps may hold ids of rows a rolled-back transaction added;
 * SQLite will hand those ids out again, so the maps are dropped and reloaded
 * on next use. */
static void forget_entities(store_t *st)
{
    int i;
    for (i = 0; i < ENT_COUNT; i++) {
        if (st->ent_loaded[i]) {
            strmap_free(&st->ent_map[i]);
            strmap_init(&st->ent_map[i]);
            st->ent_loaded[i] = 0;
        }
    }
}

tw_err_t store_commit(store_t *st)
{
    tw_err_t err;
    if (st->tx_depth > 1 && !sqlite3_get_autocommit(st->db)) {
        if ((err = exec(st, "RELEASE tw_nested", NULL)) != TW_OK) {
            store_rollback(st);
            return err;
        }
        st->tx_depth--;
        return TW_OK;
    }
    err = exec(st, "COMMIT", NULL);
    st->tx_depth = 0;
    if (err != TW_OK)
        store_rollback(st);
    return err;
}

void store_rollback(store_t *st)
{
    if (st->tx_depth > 1 && !sqlite3_get_autocommit(st->db)) {
        exec(st, "ROLLBACK TO tw_nested", NULL);
        exec(st, "RELEASE tw_nested", NULL);
        st->tx_depth--;
    } else {
        if (!sqlite3_get_autocommit(st->db))
            exec(st, "ROLLBACK", NULL);
        st->tx_depth = 0;
    }
    forget_entities(st);
}

tw_err_t store_begin_read(store_t *st)
{
    return exec(st, "BEGIN DEFERRED", NULL) == TW_OK &&
                   exec(st, "SELECT 1 FROM sqlite_schema LIMIT 1", NULL) == TW_OK
               ? TW_OK
               : TW_EDB;
}

void store_end_read(store_t *st)
{
    if (!sqlite3_get_autocommit(st->db))
        exec(st, "COMMIT", NULL);
}

static void now_iso(char out[32])
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* A 'running' batch of this host whose process is gone was killed. */
static tw_err_t reap_batches(store_t *st)
{
    sqlite3_stmt *s = NULL, *u = NULL;
    tw_err_t err = TW_OK;
    int rc;

    if (store_prepare_cached(st,
                             "SELECT id, pid FROM import_batch WHERE status='running' AND host=?",
                             &s) != TW_OK ||
        store_prepare_cached(st, "UPDATE import_batch SET status='interrupted' WHERE id=?", &u) !=
            TW_OK) {
        err = TW_EDB;
        goto out;
    }
    sqlite3_bind_text(s, 1, st->host, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        pid_t pid = (pid_t)sqlite3_column_int64(s, 1);
        if (pid > 0 && (kill(pid, 0) == 0 || errno != ESRCH))
            continue;
        sqlite3_bind_int64(u, 1, sqlite3_column_int64(s, 0));
        if (sqlite3_step(u) != SQLITE_DONE) {
            err = TW_EDB;
            goto out;
        }
        sqlite3_reset(u);
    }
    if (rc != SQLITE_DONE)
        err = TW_EDB;
out:
    store_release_cached(st, s);
    store_release_cached(st, u);
    return err;
}

tw_err_t store_batch_start(store_t *st, reg_id_t reg, const char *file, const char *mapping,
                           int64_t *batch_id)
{
    sqlite3_stmt *s = NULL;
    char now[32];
    tw_err_t err = TW_OK;

    if ((err = reap_batches(st)) != TW_OK)
        return err;
    now_iso(now);
    if (sqlite3_prepare_v2(st->db,
                           "INSERT INTO import_batch(register,file,mapping,started_at,status,"
                           "host,pid) VALUES (?,?,?,?,'running',?,?)",
                           -1, &s, NULL) != SQLITE_OK)
        return TW_EDB;
    sqlite3_bind_text(s, 1, reg_get(reg)->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, file, -1, SQLITE_STATIC);
    if (mapping)
        sqlite3_bind_text(s, 3, mapping, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, now, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 5, st->host, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 6, (sqlite3_int64)getpid());
    if (sqlite3_step(s) != SQLITE_DONE)
        err = TW_EDB;
    else
        *batch_id = sqlite3_last_insert_rowid(st->db);
    sqlite3_finalize(s);
    return err;
}

tw_err_t store_batch_update(store_t *st, int64_t batch_id, const store_batch_counts_t *c,
                            const char *status)
{
    sqlite3_stmt *s = NULL;
    char now[32];
    tw_err_t err = TW_OK;

    if (sqlite3_prepare_v2(st->db,
                           "UPDATE import_batch SET rows_read=?, rows_new=?, rows_versioned=?,"
                           " rows_unchanged=?, rows_rejected=?, warnings=?, bytes=?,"
                           " status=coalesce(?, status),"
                           " finished_at=CASE WHEN ? IS NULL THEN finished_at ELSE ? END"
                           " WHERE id=?",
                           -1, &s, NULL) != SQLITE_OK)
        return TW_EDB;
    now_iso(now);
    sqlite3_bind_int64(s, 1, c->rows_read);
    sqlite3_bind_int64(s, 2, c->rows_new);
    sqlite3_bind_int64(s, 3, c->rows_versioned);
    sqlite3_bind_int64(s, 4, c->rows_unchanged);
    sqlite3_bind_int64(s, 5, c->rows_rejected);
    sqlite3_bind_int64(s, 6, c->warnings);
    sqlite3_bind_int64(s, 7, c->bytes);
    if (status) {
        sqlite3_bind_text(s, 8, status, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 9, status, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 10, now, -1, SQLITE_STATIC);
    }
    sqlite3_bind_int64(s, 11, batch_id);
    if (sqlite3_step(s) != SQLITE_DONE)
        err = TW_EDB;
    sqlite3_finalize(s);
    return err;
}

static tw_err_t load_entities(store_t *st, store_entity_t kind)
{
    sqlite3_stmt *s = NULL;
    char sql[96];
    tw_err_t err = TW_OK;
    int rc;

    snprintf(sql, sizeof(sql), "SELECT id, key FROM %s", entity_tables[kind]);
    if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
        return TW_EDB;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        const char *k = (const char *)sqlite3_column_text(s, 1);
        int n = sqlite3_column_bytes(s, 1);
        if ((err = strmap_put(&st->ent_map[kind], k ? k : "", (size_t)n,
                              (uint64_t)sqlite3_column_int64(s, 0), NULL, NULL, NULL)) !=
            TW_OK)
            goto out;
    }
    if (rc != SQLITE_DONE)
        err = TW_EDB;
    else
        st->ent_loaded[kind] = 1;
out:
    sqlite3_finalize(s);
    return err;
}

static tw_err_t lookup_entity(store_t *st, store_entity_t kind, const char *key, size_t len,
                              int64_t *id)
{
    sqlite3_stmt *s = NULL;
    char sql[96];
    tw_err_t err = TW_ENOTFOUND;

    snprintf(sql, sizeof(sql), "SELECT id FROM %s WHERE key=?", entity_tables[kind]);
    if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
        return TW_EDB;
    sqlite3_bind_text(s, 1, key, (int)len, SQLITE_STATIC);
    if (sqlite3_step(s) == SQLITE_ROW) {
        *id = sqlite3_column_int64(s, 0);
        err = TW_OK;
    }
    sqlite3_finalize(s);
    return err;
}

/* Bulk load: the key's id, found or given in one probe of the map (a new
 * key is most of what a first load sees, and a lookup that misses followed
 * by an insert that misses again walked the same probe sequence twice): a
 * new key gets the id an INSERT would give it now (the largest + 1; the
 * store's write lock is held since store_bulk_begin, so no one else adds
 * one) and joins the queue written at commit. */
static tw_err_t bulk_entity(store_t *st, store_entity_t kind, const char *key, size_t len,
                            int64_t *id)
{
    const char *kept;
    uint64_t *slot;
    int added;
    tw_err_t err;

    if (len > UINT32_MAX)
        return TW_EINPUT;
    if (st->bulk_next[kind] == 0) {
        int64_t max;
        if ((err = store_entity_max_id(st, kind, &max)) != TW_OK)
            return err;
        st->bulk_next[kind] = max + 1;
    }
    if (st->bulk_n[kind] == st->bulk_cap[kind]) {
        size_t ncap = st->bulk_cap[kind] ? st->bulk_cap[kind] * 2 : 4096;
        struct bulk_ent *n = realloc(st->bulk_new[kind], ncap * sizeof(*n));
        if (!n)
            return TW_ENOMEM;
        st->bulk_new[kind] = n;
        st->bulk_cap[kind] = ncap;
    }
    if ((err = strmap_put(&st->ent_map[kind], key, len, (uint64_t)st->bulk_next[kind], &slot,
                          &added, &kept)) != TW_OK)
        return err;
    *id = (int64_t)*slot;
    if (!added)
        return TW_OK;
    st->bulk_new[kind][st->bulk_n[kind]++] = (struct bulk_ent){kept, (uint32_t)len, *id};
    st->bulk_next[kind]++;
    return TW_OK;
}

tw_err_t store_entity_id(store_t *st, store_entity_t kind, const char *key, size_t len,
                         int64_t *id)
{
    uint64_t *v;
    sqlite3_stmt *s = st->ins_entity[kind];
    tw_err_t err;
    int rc;

    if (!st->ent_loaded[kind] && (err = load_entities(st, kind)) != TW_OK)
        return err;
    if (st->bulk)
        return bulk_entity(st, kind, key, len, id);
    if ((v = strmap_get(&st->ent_map[kind], key, len)) != NULL) {
        *id = (int64_t)*v;
        return TW_OK;
    }
    sqlite3_bind_text(s, 1, key, (int)len, SQLITE_STATIC);
    rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc == SQLITE_DONE) {
        *id = sqlite3_last_insert_rowid(st->db);
    } else if ((rc & 0xff) == SQLITE_CONSTRAINT) {
        /* another process added it since we loaded the map */
        if ((err = lookup_entity(st, kind, key, len, id)) != TW_OK)
            return err == TW_ENOTFOUND ? TW_EDB : err;
    } else {
        return TW_EDB;
    }
    return strmap_put(&st->ent_map[kind], key, len, (uint64_t)*id, NULL, NULL, NULL);
}

/* ---- bulk load ----------------------------------------------------------- */

static void bulk_clear(store_t *st)
{
    size_t i;
    int k;
    for (k = 0; k < ENT_COUNT; k++) {
        free(st->bulk_new[k]);
        st->bulk_new[k] = NULL;
        st->bulk_n[k] = st->bulk_cap[k] = 0;
        st->bulk_next[k] = 0;
    }
    for (i = 0; i < st->bulk_nindex; i++)
        free(st->bulk_index_sql[i]);
    free(st->bulk_index_sql);
    st->bulk_index_sql = NULL;
    st->bulk_nindex = 0;
    st->bulk = 0;
    /* the connection's settings outside a bulk load (store_open) */
    exec(st, "PRAGMA foreign_keys=ON; PRAGMA cache_size=-65536; PRAGMA threads=0;", NULL);
    if (st->bulk_journal && exec(st, "PRAGMA journal_mode=WAL", NULL) != TW_OK)
        fprintf(stderr, "tipwatch: the store stays in rollback-journal mode until it is "
                        "next opened: %s\n", sqlite3_errmsg(st->db));
    st->bulk_journal = 0;
}

/* Drops the register table's own indexes (those with SQL text: the
 * UNIQUE(row_key, version) constraint's index stays, it is part of the
 * table), keeping their text to build them again at commit. */
static tw_err_t bulk_drop_indexes(store_t *st, reg_id_t reg)
{
    sqlite3_stmt *s = NULL;
    tw_buf_t drop;
    tw_err_t err = TW_OK;
    int rc;

    buf_init(&drop, 1 << 16);
    if (sqlite3_prepare_v2(st->db,
                           "SELECT name, sql FROM sqlite_schema WHERE type = 'index' AND "
                           "tbl_name = ? AND sql IS NOT NULL ORDER BY name",
                           -1, &s, NULL) != SQLITE_OK)
        return TW_EDB;
    sqlite3_bind_text(s, 1, reg_get(reg)->table, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(s, 0);
        const char *sql = (const char *)sqlite3_column_text(s, 1);
        char **n = realloc(st->bulk_index_sql, (st->bulk_nindex + 1) * sizeof(*n));
        if (!n) {
            err = TW_ENOMEM;
            goto out;
        }
        st->bulk_index_sql = n;
        if (!(n[st->bulk_nindex] = strdup(sql))) {
            err = TW_ENOMEM;
            goto out;
        }
        st->bulk_nindex++;
        if ((err = buf_adds(&drop, "DROP INDEX \"")) != TW_OK ||
            (err = buf_adds(&drop, name)) != TW_OK || (err = buf_adds(&drop, "\";")) != TW_OK)
            goto out;
    }
    if (rc != SQLITE_DONE) {
        err = TW_EDB;
        goto out;
    }
    if (drop.len)
        err = exec(st, buf_str(&drop), NULL);
out:
    sqlite3_finalize(s);
    buf_free(&drop);
    return err;
}

tw_err_t store_bulk_begin(store_t *st, reg_id_t reg)
{
    sqlite3_stmt *q = NULL;
    tw_err_t err;

    if (st->bulk || st->tx_depth > 0 || !sqlite3_get_autocommit(st->db))
        return TW_ECONFLICT;
    /* foreign keys: a row names entities whose rows are written at commit
     * (their ids come from the map, see bulk_entity); the pragma is a no-op
     * inside a transaction, so it goes first. A large page cache keeps the
     * table being written in memory up to 1 GiB before it spills to the
     * WAL (still uncommitted: a crash leaves none of it). threads=2: the
     * sorter of each CREATE INDEX at commit may use the second core. */
    if ((err = exec(st, "PRAGMA foreign_keys=OFF; PRAGMA cache_size=-1048576; PRAGMA threads=2;",
                    NULL)) != TW_OK)
        return err;
    /* Journal: when no other connection has the store open, a rollback
     * journal (TRUNCATE) for the load: pages past the end of the file are
     * never journalled, so an empty or small store is written once instead
     * of into the WAL and then again by the checkpoint. A kill leaves a hot
     * journal that the next open rolls back (store_open then goes back to
     * WAL). With another connection open the switch fails at once (no busy
     * wait) and the load stays in WAL mode, where readers go on reading. */
    sqlite3_busy_timeout(st->db, 0);
    if (sqlite3_prepare_v2(st->db, "PRAGMA journal_mode=TRUNCATE", -1, &q, NULL) == SQLITE_OK &&
        sqlite3_step(q) == SQLITE_ROW) {
        const char *mode = (const char *)sqlite3_column_text(q, 0);
        st->bulk_journal = mode && strcmp(mode, "truncate") == 0;
    }
    sqlite3_finalize(q);
    sqlite3_busy_timeout(st->db, 30000);
    if ((err = store_begin(st)) != TW_OK) {
        bulk_clear(st);
        return err;
    }
    st->bulk = 1;
    /* the maps are read again inside the write transaction */
    forget_entities(st);
    if ((err = bulk_drop_indexes(st, reg)) != TW_OK) {
        store_bulk_rollback(st);
        return err;
    }
    return TW_OK;
}

/* The queued new entities of a kind, in id order (the order they were
 * met, as row by row writes them): the table grows at its right edge and
 * only the key index takes them out of order. Sorting them by key instead
 * (the key index at its right edge, the table out of order) cost a third
 * more at 10^6 applications, the sort included (bench/RESULTS.md). */
static tw_err_t bulk_write_entities(store_t *st, store_entity_t kind)
{
    sqlite3_stmt *s = NULL;
    char sql[96];
    size_t i;
    int rc;

    if (st->bulk_n[kind] == 0)
        return TW_OK;
    snprintf(sql, sizeof(sql), "INSERT INTO %s(id, key) VALUES (?, ?)", entity_tables[kind]);
    if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
        return TW_EDB;
    for (i = 0; i < st->bulk_n[kind]; i++) {
        const struct bulk_ent *e = &st->bulk_new[kind][i];
        sqlite3_bind_int64(s, 1, e->id);
        sqlite3_bind_text(s, 2, e->key, (int)e->len, SQLITE_STATIC);
        rc = sqlite3_step(s);
        sqlite3_reset(s);
        if (rc != SQLITE_DONE) {
            sqlite3_finalize(s);
            return TW_EDB;
        }
    }
    sqlite3_finalize(s);
    return TW_OK;
}

tw_err_t store_bulk_commit(store_t *st)
{
    tw_err_t err = TW_OK;
    size_t i;
    int k;

    if (!st->bulk)
        return TW_ECONFLICT;
    for (k = 0; k < ENT_COUNT && err == TW_OK; k++)
        err = bulk_write_entities(st, (store_entity_t)k);
    for (i = 0; i < st->bulk_nindex && err == TW_OK; i++)
        err = exec(st, st->bulk_index_sql[i], NULL);
    if (err != TW_OK) {
        store_bulk_rollback(st);
        return err;
    }
    err = store_commit(st); /* rolls back on failure */
    bulk_clear(st);
    if (err != TW_OK)
        forget_entities(st);
    return err;
}

void store_bulk_rollback(store_t *st)
{
    if (!st->bulk)
        return;
    store_rollback(st); /* forgets the entity maps */
    bulk_clear(st);
}

int store_bulk_active(const store_t *st)
{
    return st->bulk;
}

static tw_err_t row_states(store_t *st, reg_id_t reg, const char *key, size_t len,
                           store_row_state_fn fn, void *ctx)
{
    sqlite3_stmt *s = NULL;
    char sql[160];
    tw_err_t err = TW_OK;
    int rc;

    snprintf(sql, sizeof(sql),
             "SELECT row_key, version, content_hash, batch_id FROM %s%s ORDER BY id",
             reg_get(reg)->table, key ? " WHERE row_key=?" : "");
    if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
        return TW_EDB;
    if (key)
        sqlite3_bind_text(s, 1, key, (int)len, SQLITE_STATIC);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        const char *k = (const char *)sqlite3_column_text(s, 0);
        if ((err = fn(ctx, k ? k : "", (size_t)sqlite3_column_bytes(s, 0),
                      sqlite3_column_int64(s, 1), (uint64_t)sqlite3_column_int64(s, 2),
                      sqlite3_column_int64(s, 3))) != TW_OK)
            goto out;
    }
    if (rc != SQLITE_DONE)
        err = TW_EDB;
out:
    sqlite3_finalize(s);
    return err;
}

tw_err_t store_row_states(store_t *st, reg_id_t reg, store_row_state_fn fn, void *ctx)
{
    return row_states(st, reg, NULL, 0, fn, ctx);
}

tw_err_t store_row_versions(store_t *st, reg_id_t reg, const char *key, size_t len,
                            store_row_state_fn fn, void *ctx)
{
    if (len > INT_MAX)
        return TW_EINPUT;
    return row_states(st, reg, key, len, fn, ctx);
}

static void bind_link(sqlite3_stmt *s, int i, int64_t id)
{
    if (id > 0)
        sqlite3_bind_int64(s, i, id);
    else
        sqlite3_bind_null(s, i);
}

tw_err_t store_row_insert(store_t *st, const store_row_t *row)
{
    const reg_def_t *def = reg_get(row->reg);
    sqlite3_stmt *s = st->ins_row[row->reg];
    int i = 1, rc;
    size_t c;

    sqlite3_bind_text(s, i++, row->row_key, (int)row->row_key_len, SQLITE_STATIC);
    sqlite3_bind_int64(s, i++, row->version);
    sqlite3_bind_int64(s, i++, (sqlite3_int64)row->content_hash);
    sqlite3_bind_int64(s, i++, row->batch_id);
    sqlite3_bind_int64(s, i++, row->line);
    for (c = 0; c < def->ncols; c++) {
        const store_value_t *v = &row->vals[c];
        if (!v->present)
            sqlite3_bind_null(s, i);
        else if (def->cols[c].type == COL_UINT)
            sqlite3_bind_int64(s, i, v->num);
        else
            sqlite3_bind_text(s, i, v->text, (int)v->text_len, SQLITE_STATIC);
        i++;
        if (reg_column_has_norm(&def->cols[c])) {
            if (v->present && v->has_norm)
                sqlite3_bind_text(s, i, v->norm, (int)v->norm_len, SQLITE_STATIC);
            else
                sqlite3_bind_null(s, i);
            i++;
        }
    }
    switch (row->reg) {
    case REG_PERMITS:
        bind_link(s, i++, row->links.worker);
        bind_link(s, i++, row->links.employer);
        bind_link(s, i++, row->links.intermediary);
        bind_link(s, i++, row->links.address);
        bind_link(s, i++, row->links.address2);
        bind_link(s, i++, row->links.phone);
        break;
    case REG_BORDER:
        bind_link(s, i++, row->links.worker);
        break;
    case REG_INSPECTIONS:
        bind_link(s, i++, row->links.employer);
        break;
    case REG_REPORTS:
        bind_link(s, i++, row->links.employer);
        bind_link(s, i++, row->links.address);
        bind_link(s, i++, row->links.phone);
        break;
    default:
        break;
    }
    if (row->extra_json)
        sqlite3_bind_text(s, i, row->extra_json, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(s, i);
    rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc == SQLITE_DONE)
        return TW_OK;
    return (rc & 0xff) == SQLITE_CONSTRAINT ? TW_ECONFLICT : TW_EDB;
}

tw_err_t store_reject_add(store_t *st, const store_reject_t *rj)
{
    sqlite3_stmt *s = st->ins_reject;
    int rc;

    sqlite3_bind_int64(s, 1, rj->batch_id);
    sqlite3_bind_text(s, 2, reg_get(rj->reg)->name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, rj->line);
    if (rj->column > 0)
        sqlite3_bind_int64(s, 4, rj->column);
    sqlite3_bind_text(s, 5, rj->field ? rj->field : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 6, rj->warning ? "warning" : "error", -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 7, rj->reason, -1, SQLITE_STATIC);
    if (rj->raw)
        sqlite3_bind_text(s, 8, rj->raw, (int)rj->raw_len, SQLITE_STATIC);
    sqlite3_bind_int64(s, 9, (sqlite3_int64)rj->raw_hash);
    rc = sqlite3_step(s);
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    return rc == SQLITE_DONE ? TW_OK : TW_EDB;
}

static long long count(store_t *st, const char *sql, const char *arg)
{
    sqlite3_stmt *s;
    long long n = -1;
    if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
        return -1;
    if (arg)
        sqlite3_bind_text(s, 1, arg, -1, SQLITE_STATIC);
    if (sqlite3_step(s) == SQLITE_ROW)
        n = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return n;
}

tw_err_t store_stats(store_t *st, store_stats_t *out)
{
    char sql[200];
    int i;

    memset(out, 0, sizeof(*out));
    for (i = 0; i < REG_COUNT; i++) {
        const reg_def_t *def = reg_get((reg_id_t)i);
        snprintf(sql, sizeof(sql), "SELECT count(DISTINCT row_key) FROM %s", def->table);
        out->rows[i] = count(st, sql, NULL);
        snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", def->table);
        out->versions[i] = count(st, sql, NULL);
        out->rejected[i] = count(st,
                                 "SELECT count(DISTINCT raw_hash) FROM reject"
                                 " WHERE register=? AND severity='error'",
                                 def->name);
        out->warnings[i] = count(st,
                                 "SELECT count(*) FROM reject"
                                 " WHERE register=? AND severity='warning'",
                                 def->name);
        if (out->rows[i] < 0 || out->versions[i] < 0 || out->rejected[i] < 0 ||
            out->warnings[i] < 0)
            return TW_EDB;
    }
    for (i = 0; i < ENT_COUNT; i++) {
        snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", entity_tables[i]);
        if ((out->entities[i] = count(st, sql, NULL)) < 0)
            return TW_EDB;
    }
    out->batches = count(st, "SELECT count(*) FROM import_batch", NULL);
    out->batches_interrupted =
        count(st, "SELECT count(*) FROM import_batch WHERE status='interrupted'", NULL);
    if (out->batches < 0 || out->batches_interrupted < 0)
        return TW_EDB;
    /* a batch recorded as running whose process (on this host) is gone was
     * killed (SIGKILL, a crash): it is reported as interrupted now, not
     * only once the next import reaps it */
    {
        sqlite3_stmt *s = NULL;
        int rc;
        if (sqlite3_prepare_v2(st->db,
                               "SELECT host, pid FROM import_batch WHERE status='running'", -1,
                               &s, NULL) != SQLITE_OK)
            return TW_EDB;
        while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
            const char *host = (const char *)sqlite3_column_text(s, 0);
            pid_t pid = (pid_t)sqlite3_column_int64(s, 1);
            if (host && strcmp(host, st->host) == 0 &&
                (pid <= 0 || (kill(pid, 0) != 0 && errno == ESRCH)))
                out->batches_interrupted++;
            else
                out->batches_running++;
        }
        sqlite3_finalize(s);
        if (rc != SQLITE_DONE)
            return TW_EDB;
    }
    return TW_OK;
}

tw_err_t store_reject_groups(store_t *st, int limit, store_reject_group_fn fn, void *ctx)
{
    sqlite3_stmt *s = NULL;
    tw_err_t err = TW_OK;
    int rc;

    if (sqlite3_prepare_v2(st->db,
                           "SELECT register, field, severity, count(*), min(reason) FROM reject"
                           " GROUP BY register, field, severity"
                           " ORDER BY count(*) DESC, register, field LIMIT ?",
                           -1, &s, NULL) != SQLITE_OK)
        return TW_EDB;
    sqlite3_bind_int(s, 1, limit);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if ((err = fn(ctx, (const char *)sqlite3_column_text(s, 0),
                      (const char *)sqlite3_column_text(s, 1),
                      (const char *)sqlite3_column_text(s, 2), sqlite3_column_int64(s, 3),
                      (const char *)sqlite3_column_text(s, 4))) != TW_OK)
            goto out;
    }
    if (rc != SQLITE_DONE)
        err = TW_EDB;
out:
    sqlite3_finalize(s);
    return err;
}

/* A column name is safe to splice into SQL when it is a plain identifier;
 * whether the table has it, SQLite itself says at prepare. */
static int plain_identifier(const char *s)
{
    size_t i;
    if (!s[0])
        return 0;
    for (i = 0; s[i]; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
            return 0;
    }
    return i < 64;
}

/* The SQL for one scanned column: a real column, or the computed
 * STORE_COL_FIRST_ID of store.h. */
static tw_err_t scan_column(tw_buf_t *sql, const char *table, const char *col)
{
    if (strcmp(col, STORE_COL_FIRST_ID) == 0)
        /* a lazy CASE: the index probe runs only for later versions */
        return buf_printf(sql,
                          ",CASE WHEN version>1 THEN (SELECT min(x.id) FROM %s x"
                          " WHERE x.row_key=%s.row_key) ELSE id END",
                          table, table);
    if (!plain_identifier(col))
        return TW_EINPUT;
    return buf_printf(sql, ",%s", col);
}

tw_err_t store_scan(store_t *st, reg_id_t reg, const char *const *columns, store_scan_fn fn,
                    void *ctx)
{
    return store_scan_range(st, reg, columns, 0, INT64_MAX, fn, ctx);
}

tw_err_t store_scan_range(store_t *st, reg_id_t reg, const char *const *columns, int64_t after,
                          int64_t upto, store_scan_fn fn, void *ctx)
{
    const char *table = reg_get(reg)->table;
    sqlite3_stmt *s = NULL;
    store_cell_t *cells = NULL;
    tw_buf_t sql;
    size_t n = 0, i;
    tw_err_t err = TW_OK;
    int rc;

    buf_init(&sql, 1 << 16);
    if ((err = buf_adds(&sql, "SELECT id")) != TW_OK)
        goto out;
    for (n = 0; columns[n]; n++) {
        if ((err = scan_column(&sql, table, columns[n])) != TW_OK)
            goto out;
    }
    if ((err = buf_printf(&sql, " FROM %s WHERE id>? AND id<=? ORDER BY id", table)) != TW_OK)
        goto out;
    if (sqlite3_prepare_v2(st->db, buf_str(&sql), -1, &s, NULL) != SQLITE_OK) {
        err = TW_EINPUT; /* a column the table does not have */
        goto out;
    }
    sqlite3_bind_int64(s, 1, after);
    sqlite3_bind_int64(s, 2, upto);
    cells = calloc(n ? n : 1, sizeof(*cells));
    if (!cells) {
        err = TW_ENOMEM;
        goto out;
    }
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        for (i = 0; i < n; i++) {
            /* no conversions: an integer as text, or text parsed as an
             * integer, costs more than the rest of the cell (store.h).
             * One sqlite3_column_value() per cell, then the value's own
             * accessors: each sqlite3_column_*() call looks the column up
             * and checks the statement again, and this loop runs for
             * every cell of a full scan. The value is valid until the next
             * step, as the column's text is; it is "unprotected" (SQLite
             * takes no mutex for it), which is safe here because a
             * store_t is used by one thread at a time. */
            sqlite3_value *v = sqlite3_column_value(s, (int)i + 1);
            store_cell_t *c = &cells[i];
            int type = sqlite3_value_type(v);
            c->null = type == SQLITE_NULL;
            c->num = 0;
            c->text = NULL;
            c->len = 0;
            if (type == SQLITE_INTEGER || type == SQLITE_FLOAT) {
                c->num = sqlite3_value_int64(v);
            } else if (!c->null) {
                c->text = (const char *)sqlite3_value_text(v);
                c->len = (size_t)sqlite3_value_bytes(v);
            }
        }
        if ((err = fn(ctx, sqlite3_column_int64(s, 0), cells, n)) != TW_OK)
            goto out;
    }
    if (rc != SQLITE_DONE)
        err = TW_EDB;
out:
    sqlite3_finalize(s);
    free(cells);
    buf_free(&sql);
    return err;
}

tw_err_t store_max_row(store_t *st, reg_id_t reg, int64_t *max)
{
    char sql[96];
    snprintf(sql, sizeof(sql), "SELECT coalesce(max(id), 0) FROM %s", reg_get(reg)->table);
    *max = count(st, sql, NULL);
    return *max < 0 ? TW_EDB : TW_OK;
}

tw_err_t store_data_version(store_t *st, int64_t out[REG_COUNT + 1])
{
    tw_err_t err;
    int r;
    for (r = 0; r < REG_COUNT; r++)
        if ((err = store_max_row(st, (reg_id_t)r, &out[r])) != TW_OK)
            return err;
    out[REG_COUNT] = count(st, "SELECT coalesce(max(id), 0) FROM import_batch", NULL);
    return out[REG_COUNT] < 0 ? TW_EDB : TW_OK;
}

const char *store_path(store_t *st)
{
    const char *p = sqlite3_db_filename(st->db, "main");
    return p ? p : "";
}

tw_err_t store_entity_max_id(store_t *st, store_entity_t kind, int64_t *max)
{
    char sql[96];
    snprintf(sql, sizeof(sql), "SELECT coalesce(max(id), 0) FROM %s", entity_tables[kind]);
    *max = count(st, sql, NULL);
    return *max < 0 ? TW_EDB : TW_OK;
}

tw_err_t store_entity_key(store_t *st, store_entity_t kind, int64_t id, char *out, size_t cap)
{
    sqlite3_stmt *s = st->sel_entity_key[kind];
    tw_err_t err = TW_ENOTFOUND;
    char sql[96];

    if (cap == 0)
        return TW_ETOOBIG;
    out[0] = '\0';
    if (!s) {
        snprintf(sql, sizeof(sql), "SELECT key FROM %s WHERE id=?", entity_tables[kind]);
        if (sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT,
                               &st->sel_entity_key[kind], NULL) != SQLITE_OK)
            return TW_EDB;
        s = st->sel_entity_key[kind];
    }
    sqlite3_bind_int64(s, 1, id);
    if (sqlite3_step(s) == SQLITE_ROW) {
        const char *k = (const char *)sqlite3_column_text(s, 0);
        size_t n = (size_t)sqlite3_column_bytes(s, 0);
        if (n >= cap) {
            err = TW_ETOOBIG;
        } else {
            memcpy(out, k ? k : "", n);
            out[n] = '\0';
            err = TW_OK;
        }
    }
    sqlite3_reset(s);
    return err;
}

tw_err_t store_entity_resolve(store_t *st, store_entity_t kind, const char *key, size_t len,
                              int create, int64_t *id)
{
    sqlite3_stmt *s = st->ins_entity[kind];
    tw_err_t err;
    int rc;

    *id = 0;
    if (len > INT_MAX)
        return TW_EINPUT;
    if ((err = lookup_entity(st, kind, key, len, id)) != TW_ENOTFOUND || !create)
        return err;
    sqlite3_bind_text(s, 1, key, (int)len, SQLITE_STATIC);
    rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc != SQLITE_DONE)
        return TW_EDB;
    *id = sqlite3_last_insert_rowid(st->db);
    if (st->ent_loaded[kind]) /* keep the map of store_entity_id() true */
        return strmap_put(&st->ent_map[kind], key, len, (uint64_t)*id, NULL, NULL, NULL);
    return TW_OK;
}

tw_err_t store_entity_find(store_t *st, store_entity_t kind, const char *key, size_t len,
                           int64_t *id)
{
    uint64_t *v;
    tw_err_t err;
    if (!st->ent_loaded[kind] && (err = load_entities(st, kind)) != TW_OK)
        return err;
    if ((v = strmap_get(&st->ent_map[kind], key, len)) == NULL)
        return TW_ENOTFOUND;
    *id = (int64_t)*v;
    return TW_OK;
}

/* ---- entity profile reads (HTTP API) ------------------------------------ */

/* Which register columns point at an entity of each kind. */
typedef struct {
    reg_id_t reg;
    const char *ref; /* <role>_ref column */
} entity_ref_t;

static const entity_ref_t entity_refs[] = {
    {REG_PERMITS, "worker_ref"},         {REG_BORDER, "worker_ref"},
    {REG_PERMITS, "employer_ref"},       {REG_INSPECTIONS, "employer_ref"},
    {REG_REPORTS, "employer_ref"},       {REG_PERMITS, "intermediary_ref"},
    {REG_PERMITS, "worker_address_ref"}, {REG_PERMITS, "workplace_address_ref"},
    {REG_REPORTS, "address_ref"},        {REG_PERMITS, "worker_phone_ref"},
    {REG_REPORTS, "phone_ref"}};

static int ref_is_kind(const char *ref, store_entity_t kind)
{
    switch (kind) {
    case ENT_WORKER: return strcmp(ref, "worker_ref") == 0;
    case ENT_EMPLOYER: return strcmp(ref, "employer_ref") == 0;
    case ENT_INTERMEDIARY: return strcmp(ref, "intermediary_ref") == 0;
    case ENT_ADDRESS: return strstr(ref, "address_ref") != NULL;
    case ENT_PHONE: return strstr(ref, "phone_ref") != NULL;
    case ENT_COUNT: break;
    }
    return 0;
}

/* Runs `sql` (bound to one id or one text key) over a register's current
 * rows and hands each to fn with the register's canonical columns; at most
 * `limit` rows, *truncated set when there were more. */
static tw_err_t records_query(store_t *st, reg_id_t reg, const char *where, int64_t id,
                              const char *key, const char *key2, size_t limit,
                              store_record_fn fn, void *ctx, int *truncated)
{
    const reg_def_t *def = reg_get(reg);
    sqlite3_stmt *s = NULL;
    store_cell_t *cells = NULL;
    const char **names = NULL;
    tw_buf_t sql;
    store_record_t rec;
    size_t i, n = 0;
    tw_err_t err = TW_OK;
    int rc;

    buf_init(&sql, 1 << 14);
    cells = calloc(def->ncols + 1, sizeof(*cells));
    names = calloc(def->ncols + 1, sizeof(*names));
    if (!cells || !names) {
        err = TW_ENOMEM;
        goto out;
    }
    if ((err = buf_adds(&sql, "SELECT row_key, version")) != TW_OK)
        goto out;
    for (i = 0; i < def->ncols; i++) {
        names[i] = def->cols[i].name;
        if ((err = buf_printf(&sql, ",%s", def->cols[i].name)) != TW_OK)
            goto out;
    }
    if ((err = buf_printf(&sql, " FROM %s_current WHERE %s ORDER BY id DESC LIMIT %zu",
                          def->table, where, limit + 1)) != TW_OK)
        goto out;
    if (sqlite3_prepare_v2(st->db, buf_str(&sql), -1, &s, NULL) != SQLITE_OK) {
        err = TW_EDB;
        goto out;
    }
    if (key) {
        sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
        if (key2)
            sqlite3_bind_text(s, 2, key2, -1, SQLITE_STATIC);
    } else {
        sqlite3_bind_int64(s, 1, id);
    }
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (n++ == limit) {
            *truncated = 1;
            break;
        }
        for (i = 0; i < def->ncols; i++) {
            int col = (int)i + 2;
            store_cell_t *c = &cells[i];
            c->null = sqlite3_column_type(s, col) == SQLITE_NULL;
            c->num = c->null ? 0 : sqlite3_column_int64(s, col);
            c->text = c->null ? NULL : (const char *)sqlite3_column_text(s, col);
            c->len = c->null ? 0 : (size_t)sqlite3_column_bytes(s, col);
        }
        rec.reg = reg;
        rec.row_key = (const char *)sqlite3_column_text(s, 0);
        rec.version = sqlite3_column_int64(s, 1);
        rec.names = names;
        rec.cells = cells;
        rec.n = def->ncols;
        if (!rec.row_key)
            rec.row_key = "";
        if ((err = fn(ctx, &rec)) != TW_OK)
            goto out;
    }
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        err = TW_EDB;
out:
    sqlite3_finalize(s);
    free(cells);
    free(names);
    buf_free(&sql);
    return err;
}

tw_err_t store_entity_records(store_t *st, store_entity_t kind, int64_t id, const char *key,
                              size_t limit, store_record_fn fn, void *ctx, int *truncated)
{
    char where[160];
    size_t i;
    tw_err_t err;

    *truncated = 0;
    for (i = 0; i < sizeof(entity_refs) / sizeof(entity_refs[0]); i++) {
        const entity_ref_t *r = &entity_refs[i];
        if (!ref_is_kind(r->ref, kind))
            continue;
        /* an address that is both residence and workplace of one permit is
         * listed once: the residence query takes it */
        if (kind == ENT_ADDRESS && strcmp(r->ref, "workplace_address_ref") == 0)
            snprintf(where, sizeof(where),
                     "workplace_address_ref = ?1 AND worker_address_ref IS NOT ?1");
        else
            snprintf(where, sizeof(where), "%s = ?1", r->ref);
        if ((err = records_query(st, r->reg, where, id, NULL, NULL, limit, fn, ctx,
                                 truncated)) != TW_OK)
            return err;
    }
    return records_query(st, REG_OUTCOMES, "entity_type = ?1 AND entity_key = ?2", 0,
                         entity_tables[kind], key, limit, fn, ctx, truncated);
}

tw_err_t store_record_get(store_t *st, reg_id_t reg, const char *key, store_record_fn fn,
                         void *ctx)
{
    int truncated = 0;
    return records_query(st, reg, "row_key = ?1", 0, key, NULL, 1, fn, ctx, &truncated);
}

tw_err_t store_application_records(store_t *st, const char *application_id, size_t limit,
                                   store_record_fn fn, void *ctx, int *truncated)
{
    tw_err_t err;
    *truncated = 0;
    if ((err = records_query(st, REG_PERMITS, "row_key = ?1", 0, application_id, NULL, limit,
                             fn, ctx, truncated)) != TW_OK)
        return err;
    return records_query(st, REG_OUTCOMES, "entity_type = ?1 AND entity_key = ?2", 0,
                         "application", application_id, limit, fn, ctx, truncated);
}

tw_err_t store_entity_applications(store_t *st, store_entity_t kind, int64_t id,
                                   const char *application_id, size_t limit,
                                   store_app_fn fn, void *ctx, int *truncated)
{
    static const char cols[] =
        "SELECT row_key, coalesce(worker_ref, 0), coalesce(employer_ref, 0),"
        " coalesce(intermediary_ref, 0), coalesce(worker_address_ref, 0),"
        " coalesce(workplace_address_ref, 0), coalesce(worker_phone_ref, 0),"
        " worker_family_name, worker_given_name, employer_name, intermediary_name"
        " FROM permit_current WHERE ";
    const char *where = "row_key = ?1";
    sqlite3_stmt *s = NULL;
    tw_buf_t sql;
    size_t n = 0;
    tw_err_t err = TW_OK;
    int rc;

    *truncated = 0;
    if (!application_id) {
        switch (kind) {
        case ENT_WORKER: where = "worker_ref = ?1"; break;
        case ENT_EMPLOYER: where = "employer_ref = ?1"; break;
        case ENT_INTERMEDIARY: where = "intermediary_ref = ?1"; break;
        case ENT_ADDRESS:
            where = "(worker_address_ref = ?1 OR workplace_address_ref = ?1)";
            break;
        case ENT_PHONE: where = "worker_phone_ref = ?1"; break;
        case ENT_COUNT: return TW_EINPUT;
        }
    }
    buf_init(&sql, 4096);
    if ((err = buf_printf(&sql, "%s%s ORDER BY id DESC LIMIT %zu", cols, where, limit + 1)) !=
        TW_OK)
        goto out;
    if (sqlite3_prepare_v2(st->db, buf_str(&sql), -1, &s, NULL) != SQLITE_OK) {
        err = TW_EDB;
        goto out;
    }
    if (application_id)
        sqlite3_bind_text(s, 1, application_id, -1, SQLITE_STATIC);
    else
        sqlite3_bind_int64(s, 1, id);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        store_app_t a;
        if (n++ == limit) {
            *truncated = 1;
            break;
        }
        a.application_id = (const char *)sqlite3_column_text(s, 0);
        a.worker = sqlite3_column_int64(s, 1);
        a.employer = sqlite3_column_int64(s, 2);
        a.intermediary = sqlite3_column_int64(s, 3);
        a.res_address = sqlite3_column_int64(s, 4);
        a.work_address = sqlite3_column_int64(s, 5);
        a.phone = sqlite3_column_int64(s, 6);
        a.worker_family_name = (const char *)sqlite3_column_text(s, 7);
        a.worker_given_name = (const char *)sqlite3_column_text(s, 8);
        a.employer_name = (const char *)sqlite3_column_text(s, 9);
        a.intermediary_name = (const char *)sqlite3_column_text(s, 10);
        if (!a.application_id)
            a.application_id = "";
        if ((err = fn(ctx, &a)) != TW_OK)
            goto out;
    }
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        err = TW_EDB;
out:
    sqlite3_finalize(s);
    buf_free(&sql);
    return err;
}

static long long count_batch(store_t *st, int64_t batch_id)
{
    sqlite3_stmt *s;
    long long n = -1;
    if (sqlite3_prepare_v2(st->db, "SELECT count(*) FROM reject WHERE batch_id=?", -1, &s,
                           NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_int64(s, 1, batch_id);
    if (sqlite3_step(s) == SQLITE_ROW)
        n = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return n;
}

tw_err_t store_batch_rejects(store_t *st, int64_t batch_id, size_t limit,
                             store_batch_reject_fn fn, void *ctx, long long *total)
{
    sqlite3_stmt *s = NULL;
    tw_err_t err = TW_OK;
    int rc;

    *total = count_batch(st, batch_id);
    if (*total < 0)
        return TW_EDB;
    if (sqlite3_prepare_v2(st->db,
                           "SELECT line, coalesce(column_no, 0), field, severity, reason, raw"
                           " FROM reject WHERE batch_id=? ORDER BY line, id LIMIT ?",
                           -1, &s, NULL) != SQLITE_OK)
        return TW_EDB;
    sqlite3_bind_int64(s, 1, batch_id);
    sqlite3_bind_int64(s, 2, (sqlite3_int64)limit);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if ((err = fn(ctx, sqlite3_column_int64(s, 0), sqlite3_column_int64(s, 1),
                      (const char *)sqlite3_column_text(s, 2),
                      (const char *)sqlite3_column_text(s, 3),
                      (const char *)sqlite3_column_text(s, 4),
                      (const char *)sqlite3_column_text(s, 5))) != TW_OK)
            goto out;
    }
    if (rc != SQLITE_DONE)
        err = TW_EDB;
out:
    sqlite3_finalize(s);
    return err;
}
