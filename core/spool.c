/* spool.c: the durable spool (tocsin-spool.h, spool-private.h) on SQLite.
 *
 * One connection per TocsinSpool, guarded by its own mutex: the manager's worker threads write
 * concurrently, the prepared statements are shared, and a transaction spans several calls.
 * Statements are prepared once at open and reset after each use. Other processes may open the same file:
 * SQLite's file locks (with a busy timeout) serialise the writers.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include <tocsin/tocsin.h>
#include "log-private.h"
#include "spool-private.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <sqlite3.h>

/* The schema this code reads and writes, kept in PRAGMA user_version. A file with a newer one
 * was written by a later tocsin and may hold what this one would misread or destroy. */
#define SCHEMA_VERSION 1

/* alerts.seq is the rowid: SQLite gives a new row one more than the largest rowid in the table,
 * so ordering by seq is insertion order among the alerts present ("oldest first"). */
static const char schema_sql[] =
  "CREATE TABLE IF NOT EXISTS alerts ("
  "  seq INTEGER PRIMARY KEY,"
  "  id TEXT NOT NULL UNIQUE,"
  "  title TEXT NOT NULL,"
  "  body TEXT NOT NULL,"
  "  level INTEGER NOT NULL,"
  "  time INTEGER NOT NULL,"      /* microseconds since the Unix epoch */
  "  timestamp INTEGER NOT NULL," /* the alert's timestamp flag */
  "  labels TEXT NOT NULL"        /* a JSON object of strings */
  ");"
  "CREATE TABLE IF NOT EXISTS deliveries ("
  "  alert_id TEXT NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,"
  "  channel TEXT NOT NULL,"
  "  state INTEGER NOT NULL,"     /* TocsinSpoolState */
  "  attempts INTEGER NOT NULL,"
  "  last_error TEXT,"
  "  updated INTEGER NOT NULL,"   /* microseconds since the Unix epoch */
  "  PRIMARY KEY (alert_id, channel)"
  ");";

typedef enum {
  STMT_BEGIN,
  STMT_COMMIT,
  STMT_ROLLBACK,
  STMT_INSERT_ALERT,
  STMT_INSERT_DELIVERY,
  STMT_ATTEMPTED,
  STMT_DEAD,
  STMT_DELETE_DELIVERY,
  STMT_DELETE_ALERT_IF_DONE,
  STMT_DELETE_DONE_ALERTS,
  STMT_RETRY,
  STMT_PURGE,
  STMT_SELECT_ALL,
  STMT_SELECT_PENDING,
  N_STMTS
} StmtId;

#define SELECT_ENTRIES \
  "SELECT a.id, a.title, a.body, a.level, a.time, a.timestamp, a.labels," \
  " d.channel, d.state, d.attempts, d.last_error, d.updated" \
  " FROM deliveries AS d JOIN alerts AS a ON a.id = d.alert_id"
/* Within an alert, deliveries come in the order they were added (the manager's channel order). */
#define ORDER_ENTRIES " ORDER BY a.seq, d.rowid"

static const char *const stmt_sql[N_STMTS] = {
  /* IMMEDIATE takes the write lock at once: a deferred transaction that reads first and then
   * writes can fail with SQLITE_BUSY at the write, without waiting, when another process wrote
   * in between. */
  [STMT_BEGIN] = "BEGIN IMMEDIATE",
  [STMT_COMMIT] = "COMMIT",
  [STMT_ROLLBACK] = "ROLLBACK",
  [STMT_INSERT_ALERT] = "INSERT OR IGNORE INTO alerts"
                        " (id, title, body, level, time, timestamp, labels)"
                        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
  /* One row per (alert, channel). An alert accepted again for a channel it is pending on
   * shares the row (at least one of the two deliveries succeeds or fails for good, and both
   * carry the same Idempotency-Key); a dead letter becomes pending again, a new delivery. */
  [STMT_INSERT_DELIVERY] = "INSERT INTO deliveries"
                           " (alert_id, channel, state, attempts, last_error, updated)"
                           " VALUES (?1, ?2, 0, 0, NULL, ?3)"
                           " ON CONFLICT (alert_id, channel) DO UPDATE"
                           " SET state = 0, attempts = 0, updated = excluded.updated"
                           " WHERE state = 1",
  [STMT_ATTEMPTED] = "UPDATE deliveries SET attempts = ?3, updated = ?4"
                     " WHERE alert_id = ?1 AND channel = ?2",
  [STMT_DEAD] = "UPDATE deliveries SET state = 1, attempts = ?3, last_error = ?4, updated = ?5"
                " WHERE alert_id = ?1 AND channel = ?2",
  [STMT_DELETE_DELIVERY] = "DELETE FROM deliveries WHERE alert_id = ?1 AND channel = ?2",
  [STMT_DELETE_ALERT_IF_DONE] = "DELETE FROM alerts WHERE id = ?1"
                                " AND NOT EXISTS (SELECT 1 FROM deliveries WHERE alert_id = ?1)",
  [STMT_DELETE_DONE_ALERTS] = "DELETE FROM alerts WHERE NOT EXISTS"
                              " (SELECT 1 FROM deliveries WHERE alert_id = alerts.id)",
  /* last_error stays: it still tells why the letter died, until a new attempt fails. */
  [STMT_RETRY] = "UPDATE deliveries SET state = 0, attempts = 0, updated = ?2"
                 " WHERE state = 1 AND (?1 IS NULL OR channel = ?1)",
  [STMT_PURGE] = "DELETE FROM deliveries WHERE (state = 1 OR ?2) AND (?1 IS NULL OR channel = ?1)",
  [STMT_SELECT_ALL] = SELECT_ENTRIES ORDER_ENTRIES,
  [STMT_SELECT_PENDING] = SELECT_ENTRIES " WHERE d.state = 0" ORDER_ENTRIES,
};

struct _TocsinSpool {
  GMutex lock;                  /* guards db and every statement */
  sqlite3 *db;
  sqlite3_stmt *stmts[N_STMTS];
  char *path;
};

/* ---- errors and statements ---------------------------------------------------------------- */

/* Call with the lock held: sqlite3_errmsg() describes the connection's last call. */
static void
set_db_error (TocsinSpool *spool, GError **error, const char *what)
{
  g_set_error (error, TOCSIN_ERROR, TOCSIN_ERROR_IO, "spool %s: %s: %s", spool->path, what,
               sqlite3_errmsg (spool->db));
}

static void
log_failure (const char *channel, const GError *error)
{
  priv_tocsin_log (G_LOG_LEVEL_WARNING, channel, "%s", error->message);
}

/* Runs @stmt (bound already) to completion, then resets it and drops its bindings, so it is
 * ready for the next caller whether it succeeded or not. */
static gboolean
stmt_run (TocsinSpool *spool, StmtId id, const char *what, GError **error)
{
  sqlite3_stmt *stmt = spool->stmts[id];
  int rc;

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    ;
  if (rc != SQLITE_DONE)
    set_db_error (spool, error, what);
  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
  return rc == SQLITE_DONE;
}

/* Strings are bound SQLITE_STATIC: they outlive the step, and stmt_run() unbinds them. */
static void
bind_text (TocsinSpool *spool, StmtId id, int index, const char *text)
{
  sqlite3_bind_text (spool->stmts[id], index, text, -1, SQLITE_STATIC);
}

static void
bind_int64 (TocsinSpool *spool, StmtId id, int index, gint64 value)
{
  sqlite3_bind_int64 (spool->stmts[id], index, value);
}

typedef gboolean (*TxnFunc) (TocsinSpool *spool, gpointer data, GError **error);

/* Runs @func in one transaction, committed only if it succeeds. Call with the lock held. */
static gboolean
in_transaction (TocsinSpool *spool, TxnFunc func, gpointer data, GError **error)
{
  if (!stmt_run (spool, STMT_BEGIN, "cannot begin a transaction", error))
    return FALSE;
  if (func (spool, data, error) && stmt_run (spool, STMT_COMMIT, "cannot commit", error))
    return TRUE;
  /* SQLite rolls back by itself after some errors (e.g. a full disk); ROLLBACK then fails. */
  if (!sqlite3_get_autocommit (spool->db))
    stmt_run (spool, STMT_ROLLBACK, "cannot roll back", NULL);
  return FALSE;
}

/* ---- opening -------------------------------------------------------------------------------- */

/* SQLite creates a missing file with mode 0644 (less the umask); the spool holds alert texts,
 * so it is created here first, private to its owner. SQLite gives the -wal and -shm files the
 * database file's mode. An existing file keeps the mode its owner gave it. */
static gboolean
create_private_file (const char *path, GError **error)
{
  int fd = g_open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

  if (fd < 0)
    {
      int saved = errno;

      g_set_error (error, TOCSIN_ERROR, TOCSIN_ERROR_IO, "spool %s: cannot open: %s", path,
                   g_strerror (saved));
      return FALSE;
    }
  g_close (fd, NULL);
  return TRUE;
}

static gboolean
exec_sql (TocsinSpool *spool, const char *sql, const char *what, GError **error)
{
  if (sqlite3_exec (spool->db, sql, NULL, NULL, NULL) == SQLITE_OK)
    return TRUE;
  set_db_error (spool, error, what);
  return FALSE;
}

/* Returns the single integer or text of a one-row PRAGMA, via a temporary statement. */
static gboolean
query_pragma (TocsinSpool *spool, const char *sql, const char *what, gint64 *number, char **text,
              GError **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (spool->db, sql, -1, &stmt, NULL);

  if (rc == SQLITE_OK)
    rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW)
    {
      set_db_error (spool, error, what);
      sqlite3_finalize (stmt);
      return FALSE;
    }
  if (number != NULL)
    *number = sqlite3_column_int64 (stmt, 0);
  if (text != NULL)
    *text = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  return TRUE;
}

/* synchronous=NORMAL in WAL mode makes a commit survive a crash of the process (what the spool
 * promises: an accepted alert is never lost when tocsin dies), not a power loss or kernel
 * crash: that would need synchronous=FULL, an fsync per commit. */
static gboolean
configure_connection (TocsinSpool *spool, GError **error)
{
  g_autofree char *mode = NULL;

  if (!exec_sql (spool, "PRAGMA busy_timeout = 5000", "cannot set the busy timeout", error)
      || !query_pragma (spool, "PRAGMA journal_mode = WAL", "cannot open", NULL, &mode, error))
    return FALSE;
  if (g_ascii_strcasecmp (mode ? mode : "", "wal") != 0)
    {
      g_set_error (error, TOCSIN_ERROR, TOCSIN_ERROR_IO,
                   "spool %s: cannot switch to WAL mode (journal mode stays \"%s\"); is the file "
                   "on a network file system?", spool->path, mode ? mode : "?");
      return FALSE;
    }
  return exec_sql (spool, "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON",
                   "cannot configure the connection", error);
}

static gboolean
check_or_create_schema (TocsinSpool *spool, gpointer data, GError **error)
{
  gint64 version = 0;

  if (!query_pragma (spool, "PRAGMA user_version", "cannot read the schema version", &version,
                     NULL, error))
    return FALSE;
  if (version > SCHEMA_VERSION)
    {
      g_set_error (error, TOCSIN_ERROR, TOCSIN_ERROR_IO,
                   "spool %s: schema version %" G_GINT64_FORMAT " is newer than this tocsin "
                   "understands (%d): it was written by a later release; use that one, or "
                   "another spool file", spool->path, version, SCHEMA_VERSION);
      return FALSE;
    }
  if (version == SCHEMA_VERSION)
    return TRUE;
  return exec_sql (spool, schema_sql, "cannot create the tables", error)
         && exec_sql (spool, "PRAGMA user_version = " G_STRINGIFY (SCHEMA_VERSION),
                      "cannot set the schema version", error);
}

/* Prepares statements @first to @last. The transaction statements name no table, so they are
 * prepared before the schema is checked (in a transaction); the others after it. */
static gboolean
prepare_statements (TocsinSpool *spool, StmtId first, StmtId last, GError **error)
{
  for (guint i = first; i <= last; i++)
    if (sqlite3_prepare_v3 (spool->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
                            &spool->stmts[i], NULL) != SQLITE_OK)
      {
        set_db_error (spool, error, "cannot prepare a statement");
        return FALSE;
      }
  return TRUE;
}

static gboolean
open_database (TocsinSpool *spool, GError **error)
{
  /* NOMUTEX: the spool's own lock already serialises every use of the connection. */
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;

  if (sqlite3_open_v2 (spool->path, &spool->db, flags, NULL) != SQLITE_OK)
    {
      /* sqlite3_open_v2() leaves a handle (NULL only without memory) carrying the error. */
      if (spool->db != NULL)
        set_db_error (spool, error, "cannot open");
      else
        g_set_error (error, TOCSIN_ERROR, TOCSIN_ERROR_IO, "spool %s: cannot open: out of memory",
                     spool->path);
      return FALSE;
    }
  /* Under the write lock: two processes opening a new file at once must not both create it. */
  return configure_connection (spool, error)
         && prepare_statements (spool, STMT_BEGIN, STMT_ROLLBACK, error)
         && in_transaction (spool, check_or_create_schema, NULL, error)
         && prepare_statements (spool, STMT_ROLLBACK + 1, N_STMTS - 1, error);
}

TocsinSpool *
tocsin_spool_open (const char *path, GError **error)
{
  TocsinSpool *spool;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!create_private_file (path, error))
    return NULL;
  spool = g_new0 (TocsinSpool, 1);
  g_mutex_init (&spool->lock);
  spool->path = g_strdup (path);
  if (!open_database (spool, error))
    {
      tocsin_spool_close (spool);
      return NULL;
    }
  return spool;
}

void
tocsin_spool_close (TocsinSpool *spool)
{
  if (spool == NULL)
    return;
  for (guint i = 0; i < N_STMTS; i++)
    sqlite3_finalize (spool->stmts[i]);
  /* Every statement is finalized, so this closes (and, as the last connection, checkpoints the
   * WAL into the database file). */
  sqlite3_close (spool->db);
  g_mutex_clear (&spool->lock);
  g_free (spool->path);
  g_free (spool);
}

const char *
priv_tocsin_spool_get_path (TocsinSpool *spool)
{
  g_return_val_if_fail (spool != NULL, NULL);
  return spool->path;
}

/* ---- writing -------------------------------------------------------------------------------- */

static void
add_label_member (const char *key, const char *value, gpointer user_data)
{
  json_builder_set_member_name (user_data, key);
  json_builder_add_string_value (user_data, value);
}

/* The labels as a JSON object (transfer full): quotes, backslashes and any UTF-8 survive. */
static char *
labels_to_json (TocsinAlert *alert)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (JsonGenerator) generator = json_generator_new ();
  g_autoptr (JsonNode) root = NULL;

  json_builder_begin_object (builder);
  tocsin_alert_foreach_label (alert, add_label_member, builder);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  return json_generator_to_data (generator, NULL);
}

typedef struct {
  TocsinAlert *alert;
  const char *const *channels;
} AddData;

static gboolean
add_txn (TocsinSpool *spool, gpointer data, GError **error)
{
  AddData *add = data;
  const char *id = tocsin_alert_get_id (add->alert);
  g_autofree char *labels = labels_to_json (add->alert);
  gint64 now = g_get_real_time ();

  bind_text (spool, STMT_INSERT_ALERT, 1, id);
  bind_text (spool, STMT_INSERT_ALERT, 2, tocsin_alert_get_title (add->alert));
  bind_text (spool, STMT_INSERT_ALERT, 3, tocsin_alert_get_body (add->alert));
  bind_int64 (spool, STMT_INSERT_ALERT, 4, tocsin_alert_get_level (add->alert));
  bind_int64 (spool, STMT_INSERT_ALERT, 5, tocsin_alert_get_time (add->alert));
  bind_int64 (spool, STMT_INSERT_ALERT, 6, tocsin_alert_get_timestamp (add->alert));
  bind_text (spool, STMT_INSERT_ALERT, 7, labels);
  /* An alert accepted before under the same id (the application sent it again) is spooled
   * already: its row stays, and every channel gets its delivery row below all the same. */
  if (!stmt_run (spool, STMT_INSERT_ALERT, "cannot add an alert", error))
    return FALSE;
  for (guint i = 0; add->channels != NULL && add->channels[i] != NULL; i++)
    {
      bind_text (spool, STMT_INSERT_DELIVERY, 1, id);
      bind_text (spool, STMT_INSERT_DELIVERY, 2, add->channels[i]);
      bind_int64 (spool, STMT_INSERT_DELIVERY, 3, now);
      if (!stmt_run (spool, STMT_INSERT_DELIVERY, "cannot add a delivery", error))
        return FALSE;
    }
  return TRUE;
}

gboolean
priv_tocsin_spool_add (TocsinSpool *spool, TocsinAlert *alert, const char *const *channels,
                       GError **error)
{
  AddData data = { alert, channels };
  gboolean ok;

  g_return_val_if_fail (spool != NULL && alert != NULL, FALSE);
  g_mutex_lock (&spool->lock);
  ok = in_transaction (spool, add_txn, &data, error);
  g_mutex_unlock (&spool->lock);
  return ok;
}

void
priv_tocsin_spool_attempted (TocsinSpool *spool, const char *alert_id, const char *channel,
                             guint attempts)
{
  g_autoptr (GError) error = NULL;

  g_return_if_fail (spool != NULL && alert_id != NULL && channel != NULL);
  g_mutex_lock (&spool->lock);
  bind_text (spool, STMT_ATTEMPTED, 1, alert_id);
  bind_text (spool, STMT_ATTEMPTED, 2, channel);
  bind_int64 (spool, STMT_ATTEMPTED, 3, attempts);
  bind_int64 (spool, STMT_ATTEMPTED, 4, g_get_real_time ());
  /* One statement outside BEGIN is a transaction of its own. */
  stmt_run (spool, STMT_ATTEMPTED, "cannot record a delivery attempt", &error);
  g_mutex_unlock (&spool->lock);
  if (error != NULL)
    log_failure (channel, error);
}

void
priv_tocsin_spool_dead (TocsinSpool *spool, const char *alert_id, const char *channel,
                        guint attempts, const char *error_text)
{
  g_autoptr (GError) error = NULL;

  g_return_if_fail (spool != NULL && alert_id != NULL && channel != NULL);
  g_mutex_lock (&spool->lock);
  bind_text (spool, STMT_DEAD, 1, alert_id);
  bind_text (spool, STMT_DEAD, 2, channel);
  bind_int64 (spool, STMT_DEAD, 3, attempts);
  bind_text (spool, STMT_DEAD, 4, error_text); /* NULL binds NULL */
  bind_int64 (spool, STMT_DEAD, 5, g_get_real_time ());
  stmt_run (spool, STMT_DEAD, "cannot record a dead letter", &error);
  g_mutex_unlock (&spool->lock);
  if (error != NULL)
    log_failure (channel, error);
}

typedef struct {
  const char *alert_id;
  const char *channel;
} RemoveData;

static gboolean
remove_txn (TocsinSpool *spool, gpointer data, GError **error)
{
  RemoveData *remove = data;

  bind_text (spool, STMT_DELETE_DELIVERY, 1, remove->alert_id);
  bind_text (spool, STMT_DELETE_DELIVERY, 2, remove->channel);
  if (!stmt_run (spool, STMT_DELETE_DELIVERY, "cannot remove a delivery", error))
    return FALSE;
  bind_text (spool, STMT_DELETE_ALERT_IF_DONE, 1, remove->alert_id);
  return stmt_run (spool, STMT_DELETE_ALERT_IF_DONE, "cannot remove a delivered alert", error);
}

/* Removes a delivery, and its alert with the last one. */
static void
remove_delivery (TocsinSpool *spool, const char *alert_id, const char *channel)
{
  RemoveData data = { alert_id, channel };
  g_autoptr (GError) error = NULL;

  g_return_if_fail (spool != NULL && alert_id != NULL && channel != NULL);
  g_mutex_lock (&spool->lock);
  in_transaction (spool, remove_txn, &data, &error);
  g_mutex_unlock (&spool->lock);
  if (error != NULL)
    log_failure (channel, error);
}

void
priv_tocsin_spool_delivered (TocsinSpool *spool, const char *alert_id, const char *channel)
{
  remove_delivery (spool, alert_id, channel);
}

void
priv_tocsin_spool_forget (TocsinSpool *spool, const char *alert_id, const char *channel)
{
  remove_delivery (spool, alert_id, channel);
}

gint64
tocsin_spool_retry (TocsinSpool *spool, const char *channel, GError **error)
{
  gint64 count = -1;

  g_return_val_if_fail (spool != NULL, -1);
  g_return_val_if_fail (error == NULL || *error == NULL, -1);
  g_mutex_lock (&spool->lock);
  bind_text (spool, STMT_RETRY, 1, channel);
  bind_int64 (spool, STMT_RETRY, 2, g_get_real_time ());
  if (stmt_run (spool, STMT_RETRY, "cannot retry dead letters", error))
    count = sqlite3_changes (spool->db);
  g_mutex_unlock (&spool->lock);
  return count;
}

typedef struct {
  const char *channel;
  gboolean pending_too;
  gint64 count;
} PurgeData;

static gboolean
purge_txn (TocsinSpool *spool, gpointer data, GError **error)
{
  PurgeData *purge = data;

  bind_text (spool, STMT_PURGE, 1, purge->channel);
  bind_int64 (spool, STMT_PURGE, 2, purge->pending_too ? 1 : 0);
  if (!stmt_run (spool, STMT_PURGE, "cannot purge deliveries", error))
    return FALSE;
  /* Counted before the next statement, whose own changes would replace the count. */
  purge->count = sqlite3_changes (spool->db);
  return stmt_run (spool, STMT_DELETE_DONE_ALERTS, "cannot remove purged alerts", error);
}

gint64
tocsin_spool_purge (TocsinSpool *spool, const char *channel, gboolean pending_too, GError **error)
{
  PurgeData data = { channel, pending_too, 0 };
  gboolean ok;

  g_return_val_if_fail (spool != NULL, -1);
  g_return_val_if_fail (error == NULL || *error == NULL, -1);
  g_mutex_lock (&spool->lock);
  ok = in_transaction (spool, purge_txn, &data, error);
  g_mutex_unlock (&spool->lock);
  return ok ? data.count : -1;
}

/* ---- reading -------------------------------------------------------------------------------- */

typedef struct {
  TocsinAlert *alert;
  char *channel;
  TocsinSpoolState state;
  guint attempts;
  char *last_error;
  gint64 updated;
} Entry;

static void
entry_clear (gpointer data)
{
  Entry *entry = data;

  tocsin_alert_unref (entry->alert);
  g_free (entry->channel);
  g_free (entry->last_error);
}

static gboolean
add_labels_from_json (TocsinAlertBuilder *builder, const char *json, GError **error)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonObject *object;
  JsonObjectIter iter;
  const char *key;
  JsonNode *value;

  if (!json_parser_load_from_data (parser, json, -1, error))
    return FALSE;
  if (!JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      g_set_error_literal (error, JSON_PARSER_ERROR, JSON_PARSER_ERROR_INVALID_DATA,
                           "labels are not a JSON object");
      return FALSE;
    }
  object = json_node_get_object (json_parser_get_root (parser));
  json_object_iter_init (&iter, object);
  while (json_object_iter_next (&iter, &key, &value))
    if (JSON_NODE_HOLDS_VALUE (value) && json_node_get_value_type (value) == G_TYPE_STRING)
      tocsin_alert_builder_add_label (builder, key, json_node_get_string (value));
  return TRUE;
}

static const char *
column_text (sqlite3_stmt *stmt, int column)
{
  return (const char *) sqlite3_column_text (stmt, column);
}

/* Rebuilds the alert of the current row (columns 0 to 6), as it was accepted. */
static TocsinAlert *
alert_from_row (TocsinSpool *spool, sqlite3_stmt *stmt, GError **error)
{
  g_autoptr (TocsinAlertBuilder) builder = tocsin_alert_builder_new (column_text (stmt, 1));
  gint64 level = sqlite3_column_int64 (stmt, 3);
  g_autoptr (GError) json_error = NULL;

  if (!tocsin_level_is_valid ((TocsinLevel) level)
      || !add_labels_from_json (builder, column_text (stmt, 6), &json_error))
    {
      g_set_error (error, TOCSIN_ERROR, TOCSIN_ERROR_IO, "spool %s: alert %s is damaged (%s)",
                   spool->path, column_text (stmt, 0),
                   json_error ? json_error->message : "invalid level");
      return NULL;
    }
  tocsin_alert_builder_set_id (builder, column_text (stmt, 0));
  tocsin_alert_builder_set_body (builder, column_text (stmt, 2));
  tocsin_alert_builder_set_level (builder, (TocsinLevel) level);
  tocsin_alert_builder_set_time (builder, sqlite3_column_int64 (stmt, 4));
  tocsin_alert_builder_set_timestamp (builder, sqlite3_column_int (stmt, 5) != 0);
  return tocsin_alert_builder_build (builder);
}

/* Appends the entry of the current row. Consecutive rows of one alert share one TocsinAlert. */
static gboolean
append_entry (TocsinSpool *spool, sqlite3_stmt *stmt, GArray *entries, GError **error)
{
  Entry entry = { 0 };
  Entry *previous = entries->len ? &g_array_index (entries, Entry, entries->len - 1) : NULL;

  if (previous != NULL
      && g_strcmp0 (tocsin_alert_get_id (previous->alert), column_text (stmt, 0)) == 0)
    entry.alert = tocsin_alert_ref (previous->alert);
  else if ((entry.alert = alert_from_row (spool, stmt, error)) == NULL)
    return FALSE;
  entry.channel = g_strdup (column_text (stmt, 7));
  entry.state = sqlite3_column_int (stmt, 8) == TOCSIN_SPOOL_DEAD ? TOCSIN_SPOOL_DEAD
                                                                   : TOCSIN_SPOOL_PENDING;
  entry.attempts = (guint) CLAMP (sqlite3_column_int64 (stmt, 9), 0, G_MAXUINT);
  entry.last_error = g_strdup (column_text (stmt, 10));
  entry.updated = sqlite3_column_int64 (stmt, 11);
  g_array_append_val (entries, entry);
  return TRUE;
}

/* Reads every entry (or only the pending ones) into memory, so that the callbacks run without
 * the lock: they may call the spool again (re-queueing calls add and attempted) or wait for
 * worker threads that do. Returns (transfer full) the entries, or NULL with @error. */
static GArray *
collect_entries (TocsinSpool *spool, StmtId id, GError **error)
{
  GArray *entries = g_array_new (FALSE, TRUE, sizeof (Entry));
  sqlite3_stmt *stmt = spool->stmts[id];
  gboolean ok = TRUE;
  int rc = SQLITE_DONE;

  g_array_set_clear_func (entries, entry_clear);
  g_mutex_lock (&spool->lock);
  while (ok && (rc = sqlite3_step (stmt)) == SQLITE_ROW)
    ok = append_entry (spool, stmt, entries, error);
  if (ok && rc != SQLITE_DONE)
    {
      set_db_error (spool, error, "cannot read the spool");
      ok = FALSE;
    }
  sqlite3_reset (stmt);
  g_mutex_unlock (&spool->lock);
  if (!ok)
    g_clear_pointer (&entries, g_array_unref);
  return entries;
}

gboolean
tocsin_spool_foreach (TocsinSpool *spool, TocsinSpoolEntryFunc func, gpointer user_data,
                      GError **error)
{
  g_autoptr (GArray) entries = NULL;

  g_return_val_if_fail (spool != NULL && func != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  entries = collect_entries (spool, STMT_SELECT_ALL, error);
  if (entries == NULL)
    return FALSE;
  for (guint i = 0; i < entries->len; i++)
    {
      Entry *entry = &g_array_index (entries, Entry, i);

      func (entry->alert, entry->channel, entry->state, entry->attempts, entry->last_error,
            entry->updated, user_data);
    }
  return TRUE;
}

gboolean
priv_tocsin_spool_foreach_pending (TocsinSpool *spool, PrivTocsinSpoolPendingFunc func,
                                   gpointer user_data, GError **error)
{
  g_autoptr (GArray) entries = NULL;

  g_return_val_if_fail (spool != NULL && func != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  entries = collect_entries (spool, STMT_SELECT_PENDING, error);
  if (entries == NULL)
    return FALSE;
  for (guint i = 0; i < entries->len; i++)
    {
      Entry *entry = &g_array_index (entries, Entry, i);

      func (entry->alert, entry->channel, entry->attempts, user_data);
    }
  return TRUE;
}
