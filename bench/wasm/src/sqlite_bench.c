// A real program for bench/wasm: the SQLite amalgamation (fetched at bench time from the npm
// package better-sqlite3, never committed) plus this driver, built two ways by bench/wasm/build.sh:
//   clang --target=wasm32-wasi -O2 + wasi-libc (reactor) → sqlite.wasm (imports
//     wasi_snapshot_preview1: clock_time_get, random_get, ...)
//   gcc -O2                                            → sqlite_native.o (linked into the harness)
// SQLite is built with SQLITE_OS_OTHER: the VFS below serves in-memory databases only (temp
// storage in memory), with time and randomness from libc (WASI clock_time_get / random_get in
// the wasm build).
//
// Export: uint32_t run_sqlite(uint32_t n) — opens :memory:, creates a table, inserts n rows in
// one transaction with a prepared statement, builds an index, runs aggregate / range / LIKE
// queries and an UPDATE, and returns a checksum of the query results (the same on every engine).
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sqlite3.h"

#ifdef __wasm__
#define EXPORT(name) __attribute__((export_name(name)))
#else
#define EXPORT(name)
#endif

// ---- minimal VFS: no files -------------------------------------------------------------------
static int vfs_open(sqlite3_vfs* v, const char* name, sqlite3_file* f, int flags, int* out) {
  (void)v; (void)name; (void)flags; (void)out;
  f->pMethods = 0;
  return SQLITE_CANTOPEN;
}
static int vfs_delete(sqlite3_vfs* v, const char* n, int s) { (void)v; (void)n; (void)s; return SQLITE_OK; }
static int vfs_access(sqlite3_vfs* v, const char* n, int f, int* out) {
  (void)v; (void)n; (void)f;
  *out = 0;
  return SQLITE_OK;
}
static int vfs_fullpath(sqlite3_vfs* v, const char* n, int size, char* out) {
  (void)v;
  sqlite3_snprintf(size, out, "%s", n);
  return SQLITE_OK;
}
static int vfs_random(sqlite3_vfs* v, int n, char* out) {
  (void)v;
  // Deterministic, so every engine computes the same thing.
  for (int i = 0; i < n; i++) out[i] = (char)(i * 131 + 7);
  return n;
}
static int vfs_sleep(sqlite3_vfs* v, int us) { (void)v; return us; }
static int vfs_time64(sqlite3_vfs* v, sqlite3_int64* out) {
  (void)v;
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  *out = (sqlite3_int64)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 + (sqlite3_int64)210866760000000;
  return SQLITE_OK;
}
static int vfs_time(sqlite3_vfs* v, double* out) {
  sqlite3_int64 ms;
  vfs_time64(v, &ms);
  *out = ms / 86400000.0;
  return SQLITE_OK;
}
static int vfs_last_error(sqlite3_vfs* v, int n, char* out) { (void)v; (void)n; (void)out; return 0; }

static sqlite3_vfs g_vfs = {
    2, sizeof(sqlite3_file), 512, 0, "memonly", 0, vfs_open, vfs_delete, vfs_access,
    vfs_fullpath, 0, 0, 0, 0, vfs_random, vfs_sleep, vfs_time, vfs_last_error, vfs_time64,
};

int sqlite3_os_init(void) { return sqlite3_vfs_register(&g_vfs, 1); }
int sqlite3_os_end(void) { return SQLITE_OK; }

// ---- the workload ----------------------------------------------------------------------------
static uint32_t g_check;

static int collect(void* unused, int n, char** vals, char** cols) {
  (void)unused; (void)cols;
  for (int i = 0; i < n; i++)
    for (const char* p = vals[i] ? vals[i] : "null"; *p; p++) g_check = g_check * 31 + (uint8_t)*p;
  return 0;
}

#define CHECK(x) \
  do {           \
    if ((x) != SQLITE_OK) return 0xdead0000u | __LINE__; \
  } while (0)

EXPORT("run_sqlite") uint32_t run_sqlite(uint32_t n) {
  sqlite3* db;
  g_check = 7;
  CHECK(sqlite3_open(":memory:", &db));
  CHECK(sqlite3_exec(db,
                     "CREATE TABLE users(id INTEGER PRIMARY KEY, name TEXT, email TEXT,"
                     " score REAL, grp INTEGER)",
                     0, 0, 0));
  sqlite3_stmt* ins;
  CHECK(sqlite3_prepare_v2(db, "INSERT INTO users(name, email, score, grp) VALUES(?,?,?,?)", -1,
                           &ins, 0));
  CHECK(sqlite3_exec(db, "BEGIN", 0, 0, 0));
  uint32_t x = 2463534242u;
  char name[32], email[48];
  for (uint32_t i = 0; i < n; i++) {
    x ^= x << 13; x ^= x >> 17; x ^= x << 5;
    sqlite3_snprintf(sizeof name, name, "user%u_%x", i, x & 0xffff);
    sqlite3_snprintf(sizeof email, email, "%s@example%u.org", name, x % 97);
    sqlite3_bind_text(ins, 1, name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(ins, 2, email, -1, SQLITE_TRANSIENT);
    sqlite3_bind_double(ins, 3, (double)(x % 100000) / 100.0);
    sqlite3_bind_int(ins, 4, (int)(x % 50));
    if (sqlite3_step(ins) != SQLITE_DONE) return 0xdeadbeefu;
    sqlite3_reset(ins);
  }
  sqlite3_finalize(ins);
  CHECK(sqlite3_exec(db, "COMMIT", 0, 0, 0));
  CHECK(sqlite3_exec(db, "CREATE INDEX users_grp ON users(grp, score)", 0, 0, 0));
  CHECK(sqlite3_exec(db,
                     "SELECT grp, count(*), printf('%.3f', avg(score)), max(name) FROM users"
                     " GROUP BY grp ORDER BY grp",
                     collect, 0, 0));
  CHECK(sqlite3_exec(db, "SELECT count(*), sum(length(email)) FROM users WHERE email LIKE '%7.org'",
                     collect, 0, 0));
  CHECK(sqlite3_exec(db, "UPDATE users SET score = score * 1.5 WHERE grp % 3 = 0", 0, 0, 0));
  sqlite3_stmt* q;
  CHECK(sqlite3_prepare_v2(db, "SELECT id, name FROM users WHERE grp = ? AND score > ? LIMIT 20",
                           -1, &q, 0));
  for (int g = 0; g < 50; g++) {
    sqlite3_bind_int(q, 1, g);
    sqlite3_bind_double(q, 2, 500.0);
    while (sqlite3_step(q) == SQLITE_ROW) g_check = g_check * 31 + (uint32_t)sqlite3_column_int(q, 0);
    sqlite3_reset(q);
  }
  sqlite3_finalize(q);
  CHECK(sqlite3_exec(db,
                     "SELECT a.grp, count(*) FROM users a JOIN users b ON b.id = a.id - 1"
                     " WHERE a.grp = b.grp GROUP BY a.grp ORDER BY 2 DESC LIMIT 5",
                     collect, 0, 0));
  sqlite3_close(db);
  return g_check;
}
