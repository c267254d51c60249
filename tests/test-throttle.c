/* test-throttle.c: the token bucket, on a manual clock so that no test ever sleeps.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "testutil.h"

#include <math.h>
#include <string.h>

#define START_USEC (G_GINT64_CONSTANT (1000) * G_USEC_PER_SEC)
#define SECONDS(s) ((gint64) ((double) (s) * G_USEC_PER_SEC))

typedef struct {
  TocsinClock *clock;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  f->clock = tocsin_clock_new_manual (START_USEC);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  tocsin_clock_unref (f->clock);
}

static TocsinThrottle *
new_throttle (Fixture *f, double rate, double per, double burst)
{
  return tocsin_throttle_new_with_clock (rate, per, burst, f->clock);
}

static guint
drain (TocsinThrottle *throttle)
{
  guint taken = 0;

  while (tocsin_throttle_try_acquire (throttle))
    taken++;
  return taken;
}

/* ---- /throttle/clamp ------------------------------------------------------------------------ */

static void
assert_clamped (Fixture *f, double rate, double per, double burst,
                double want_rate, double want_per, double want_burst)
{
  g_autoptr (TocsinThrottle) throttle = new_throttle (f, rate, per, burst);

  g_test_message ("rate %g per %g burst %g", rate, per, burst);
  g_assert_cmpfloat (tocsin_throttle_get_rate (throttle), ==, want_rate);
  g_assert_cmpfloat (tocsin_throttle_get_per (throttle), ==, want_per);
  g_assert_cmpfloat (tocsin_throttle_get_burst (throttle), ==, want_burst);
  /* The bucket starts with burst tokens. */
  g_assert_cmpfloat (tocsin_throttle_get_available (throttle), ==, want_burst);
}

static void
test_clamp_in_range (Fixture *f, gconstpointer data)
{
  assert_clamped (f, 10, 60, 5, 10, 60, 5);
  assert_clamped (f, 1, 1, 1, 1, 1, 1);
  assert_clamped (f, 1000, 86400, 1000, 1000, 86400, 1000);
  assert_clamped (f, 2.5, 1.5, 2, 2.5, 1.5, 2);
}

static void
test_clamp_rate (Fixture *f, gconstpointer data)
{
  assert_clamped (f, 0, 60, 0, 1, 60, 1);
  assert_clamped (f, -5, 60, 0, 1, 60, 1);
  assert_clamped (f, 0.5, 60, 0, 1, 60, 1);
  assert_clamped (f, 1001, 60, 0, 1000, 60, 1000);
  assert_clamped (f, 1e9, 60, 0, 1000, 60, 1000);
  assert_clamped (f, INFINITY, 60, 0, 1000, 60, 1000);
  assert_clamped (f, -INFINITY, 60, 0, 1, 60, 1);
}

static void
test_clamp_per (Fixture *f, gconstpointer data)
{
  assert_clamped (f, 10, 0, 0, 10, 1, 10);
  assert_clamped (f, 10, -1, 0, 10, 1, 10);
  assert_clamped (f, 10, 0.5, 0, 10, 1, 10);
  assert_clamped (f, 10, 86401, 0, 10, 86400, 10);
  assert_clamped (f, 10, INFINITY, 0, 10, 86400, 10);
}

static void
test_clamp_burst (Fixture *f, gconstpointer data)
{
  /* 0 or less means "rate". */
  assert_clamped (f, 10, 60, 0, 10, 60, 10);
  assert_clamped (f, 10, 60, -3, 10, 60, 10);
  /* Otherwise [1, rate]: rate, not the hard maximum, bounds it. */
  assert_clamped (f, 10, 60, 0.5, 10, 60, 1);
  assert_clamped (f, 10, 60, 11, 10, 60, 10);
  assert_clamped (f, 10, 60, 500, 10, 60, 10);
  /* Burst is clamped against the clamped rate. */
  assert_clamped (f, 5000, 60, 2000, 1000, 60, 1000);
  assert_clamped (f, 0, 60, 7, 1, 60, 1);
}

static void
test_clamp_nan (Fixture *f, gconstpointer data)
{
  assert_clamped (f, NAN, 60, 5, 1, 60, 1);
  assert_clamped (f, 10, NAN, 5, 10, 1, 5);
  assert_clamped (f, 10, 60, NAN, 10, 60, 10);
  assert_clamped (f, NAN, NAN, NAN, 1, 1, 1);
}

/* ---- /throttle/try-acquire and refill -------------------------------------------------------- */

static void
test_try_acquire_burst (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinThrottle) throttle = new_throttle (f, 10, 60, 5);

  for (guint i = 0; i < 5; i++)
    g_assert_true (tocsin_throttle_try_acquire (throttle));
  g_assert_false (tocsin_throttle_try_acquire (throttle));
  g_assert_false (tocsin_throttle_try_acquire (throttle));
  g_assert_cmpfloat (tocsin_throttle_get_available (throttle), ==, 0);
}

/* The original's quirk, kept: a second alert right after the first is throttled at rate 1. */
static void
test_try_acquire_rate_one (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinThrottle) throttle = new_throttle (f, 1, 60, 0);

  g_assert_true (tocsin_throttle_try_acquire (throttle));
  g_assert_false (tocsin_throttle_try_acquire (throttle));
}

static void
test_refill_rate (Fixture *f, gconstpointer data)
{
  /* 10 per 60 s: one token every 6 s. */
  g_autoptr (TocsinThrottle) throttle = new_throttle (f, 10, 60, 5);

  g_assert_cmpuint (drain (throttle), ==, 5);
  tocsin_clock_advance (f->clock, SECONDS (6));
  g_assert_true (tocsin_throttle_try_acquire (throttle));
  g_assert_false (tocsin_throttle_try_acquire (throttle));

  /* 30 s more: five tokens. */
  tocsin_clock_advance (f->clock, SECONDS (30));
  g_assert_cmpuint (drain (throttle), ==, 5);
}

static void
test_refill_not_early (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinThrottle) throttle = new_throttle (f, 10, 60, 5);

  g_assert_cmpuint (drain (throttle), ==, 5);
  tocsin_clock_advance (f->clock, SECONDS (5.999));
  g_assert_false (tocsin_throttle_try_acquire (throttle));
  g_assert_cmpfloat_with_epsilon (tocsin_throttle_get_available (throttle), 5.999 / 6, 1e-9);
  /* The rest of the token arrives with the rest of the period (up to float rounding). */
  tocsin_clock_advance (f->clock, SECONDS (0.001));
  g_assert_cmpfloat_with_epsilon (tocsin_throttle_get_available (throttle), 1.0, 1e-9);
}

/* Reading the clock often must not lose the fractions between the readings. */
static void
test_refill_small_steps (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinThrottle) throttle = new_throttle (f, 10, 1, 0);
  guint taken;

  g_assert_cmpuint (drain (throttle), ==, 10);
  taken = 0;
  for (guint i = 0; i < 1000; i++)
    {
      tocsin_clock_advance (f->clock, 1000); /* 1 ms */
      taken += drain (throttle);
    }
  /* One second at 10 per second; allow for the float sum of a thousand hundredths. */
  g_assert_cmpuint (taken, >=, 9);
  g_assert_cmpuint (taken, <=, 10);
}

/* After idling the bucket holds rate tokens, not burst: burst only limits the start. */
static void
test_refill_caps_at_rate (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinThrottle) throttle = new_throttle (f, 10, 60, 5);

  g_assert_cmpfloat (tocsin_throttle_get_available (throttle), ==, 5);
  tocsin_clock_advance (f->clock, SECONDS (3600));
  g_assert_cmpfloat (tocsin_throttle_get_available (throttle), ==, 10);
  g_assert_cmpuint (drain (throttle), ==, 10);
}

static void
test_available_fractional (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinThrottle) throttle = new_throttle (f, 10, 60, 5);

  g_assert_cmpuint (drain (throttle), ==, 5);
  tocsin_clock_advance (f->clock, SECONDS (3));
  g_assert_cmpfloat_with_epsilon (tocsin_throttle_get_available (throttle), 0.5, 1e-9);
  tocsin_clock_advance (f->clock, SECONDS (1.5));
  g_assert_cmpfloat_with_epsilon (tocsin_throttle_get_available (throttle), 0.75, 1e-9);
  /* Reading does not consume. */
  g_assert_cmpfloat_with_epsilon (tocsin_throttle_get_available (throttle), 0.75, 1e-9);
}

static void
test_time_until_available (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinThrottle) throttle = new_throttle (f, 10, 60, 5);

  g_assert_cmpfloat (tocsin_throttle_time_until_available (throttle), ==, 0);
  g_assert_cmpuint (drain (throttle), ==, 5);
  g_assert_cmpfloat_with_epsilon (tocsin_throttle_time_until_available (throttle), 6.0, 1e-9);
  tocsin_clock_advance (f->clock, SECONDS (3));
  g_assert_cmpfloat_with_epsilon (tocsin_throttle_time_until_available (throttle), 3.0, 1e-9);
  tocsin_clock_advance (f->clock, SECONDS (2.5));
  g_assert_cmpfloat_with_epsilon (tocsin_throttle_time_until_available (throttle), 0.5, 1e-9);
  tocsin_clock_advance (f->clock, SECONDS (0.5));
  g_assert_cmpfloat (tocsin_throttle_time_until_available (throttle), ==, 0);
}

static void
test_time_until_available_fast (Fixture *f, gconstpointer data)
{
  /* 1000 per second: a token every millisecond. */
  g_autoptr (TocsinThrottle) throttle = new_throttle (f, 1000, 1, 1);

  g_assert_true (tocsin_throttle_try_acquire (throttle));
  g_assert_cmpfloat_with_epsilon (tocsin_throttle_time_until_available (throttle), 0.001, 1e-12);
}

static void
test_reset (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinThrottle) throttle = new_throttle (f, 10, 60, 5);

  g_assert_cmpuint (drain (throttle), ==, 5);
  tocsin_throttle_reset (throttle);
  /* Reset fills to capacity (rate), not to burst. */
  g_assert_cmpfloat (tocsin_throttle_get_available (throttle), ==, 10);
  g_assert_cmpfloat (tocsin_throttle_time_until_available (throttle), ==, 0);
  g_assert_cmpuint (drain (throttle), ==, 10);
  /* Time that passed before the reset is not counted again after it. */
  tocsin_clock_advance (f->clock, SECONDS (6));
  tocsin_throttle_reset (throttle);
  g_assert_cmpfloat (tocsin_throttle_get_available (throttle), ==, 10);
}

static void
test_ref_unref (Fixture *f, gconstpointer data)
{
  TocsinThrottle *throttle = new_throttle (f, 10, 60, 5);

  g_assert_true (tocsin_throttle_ref (throttle) == throttle);
  tocsin_throttle_unref (throttle);
  g_assert_true (tocsin_throttle_try_acquire (throttle));
  tocsin_throttle_unref (throttle);
}

/* The throttle holds its own clock reference. */
static void
test_clock_reference (Fixture *f, gconstpointer data)
{
  TocsinClock *clock = tocsin_clock_new_manual (0);
  g_autoptr (TocsinThrottle) throttle = tocsin_throttle_new_with_clock (1, 1, 1, clock);

  tocsin_clock_unref (clock);
  g_assert_true (tocsin_throttle_try_acquire (throttle));
  g_assert_cmpfloat_with_epsilon (tocsin_throttle_time_until_available (throttle), 1.0, 1e-9);
}

/* The system clock works the same, with no waiting involved. */
static void
test_system_clock (void)
{
  g_autoptr (TocsinThrottle) throttle = tocsin_throttle_new (3, 86400, 2);
  double retry_after = -1;
  g_autoptr (GError) error = NULL;

  g_assert_cmpfloat (tocsin_throttle_get_rate (throttle), ==, 3);
  g_assert_true (tocsin_throttle_acquire (throttle, 0, NULL, NULL));
  g_assert_true (tocsin_throttle_try_acquire (throttle));
  g_assert_false (tocsin_throttle_try_acquire (throttle));
  g_assert_false (tocsin_throttle_acquire (throttle, 1, &retry_after, &error));
  g_assert_error (error, TOCSIN_ERROR, TOCSIN_ERROR_THROTTLED);
  g_assert_cmpfloat (retry_after, >, 28000);
}

/* ---- /throttle/acquire ---------------------------------------------------------------------- */

static void
test_acquire_available (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinThrottle) throttle = new_throttle (f, 10, 60, 2);
  g_autoptr (GError) error = NULL;
  double retry_after = -1;

  g_assert_true (tocsin_throttle_acquire (throttle, 0, &retry_after, &error));
  g_assert_no_error (error);
  g_assert_true (tocsin_throttle_acquire (throttle, 5, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpfloat (tocsin_throttle_get_available (throttle), ==, 0);
  /* Untouched on success. */
  g_assert_cmpfloat (retry_after, ==, -1);
  g_assert_cmpint (tocsin_clock_now (f->clock), ==, START_USEC);
}

static void
test_acquire_no_wait (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinThrottle) throttle = new_throttle (f, 10, 60, 1);
  g_autoptr (GError) error = NULL;
  double retry_after = -1;

  g_assert_true (tocsin_throttle_try_acquire (throttle));
  g_assert_false (tocsin_throttle_acquire (throttle, 0, &retry_after, &error));
  g_assert_error (error, TOCSIN_ERROR, TOCSIN_ERROR_THROTTLED);
  g_assert_cmpfloat_with_epsilon (retry_after, 6.0, 1e-9);
  /* The message says when to come back. */
  g_assert_nonnull (strstr (error->message, "6.000"));
  g_assert_cmpint (tocsin_clock_now (f->clock), ==, START_USEC);
  /* A failed acquire takes nothing. */
  tocsin_clock_advance (f->clock, SECONDS (6));
  g_assert_true (tocsin_throttle_try_acquire (throttle));
}

/* Negative and NaN timeouts mean "do not wait". */
static void
test_acquire_bad_timeout (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinThrottle) throttle = new_throttle (f, 1, 10, 1);
  g_autoptr (GError) error1 = NULL;
  g_autoptr (GError) error2 = NULL;

  g_assert_true (tocsin_throttle_try_acquire (throttle));
  g_assert_false (tocsin_throttle_acquire (throttle, -1, NULL, &error1));
  g_assert_error (error1, TOCSIN_ERROR, TOCSIN_ERROR_THROTTLED);
  g_assert_false (tocsin_throttle_acquire (throttle, NAN, NULL, &error2));
  g_assert_error (error2, TOCSIN_ERROR, TOCSIN_ERROR_THROTTLED);
}

/* Needing longer than the timeout fails at once: nobody advances this clock, so waiting would
 * hang the child, which the parent's time limit turns into a failure. */
static void
child_acquire_beyond_timeout (void)
{
  g_autoptr (TocsinClock) clock = tocsin_clock_new_manual (START_USEC);
  g_autoptr (TocsinThrottle) throttle = tocsin_throttle_new_with_clock (1, 10, 1, clock);
  g_autoptr (GError) error = NULL;
  double retry_after = -1;

  g_assert_true (tocsin_throttle_try_acquire (throttle));
  g_assert_false (tocsin_throttle_acquire (throttle, 2, &retry_after, &error));
  g_assert_error (error, TOCSIN_ERROR, TOCSIN_ERROR_THROTTLED);
  g_assert_cmpfloat_with_epsilon (retry_after, 10.0, 1e-9);
  g_assert_cmpint (tocsin_clock_now (clock), ==, START_USEC);

  /* Half way: 5 s left, still more than a 4.999 s timeout. */
  g_clear_error (&error);
  tocsin_clock_advance (clock, SECONDS (5));
  g_assert_false (tocsin_throttle_acquire (throttle, 4.999, &retry_after, &error));
  g_assert_error (error, TOCSIN_ERROR, TOCSIN_ERROR_THROTTLED);
  g_assert_cmpfloat_with_epsilon (retry_after, 5.0, 1e-9);
}

static void
test_acquire_beyond_timeout (void)
{
  g_test_trap_subprocess ("/throttle/subprocess/acquire-beyond-timeout", 30 * G_USEC_PER_SEC,
                          G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
}

typedef struct {
  TocsinThrottle *throttle;
  double timeout;
  gint done;         /* atomic */
  gboolean acquired;
  double retry_after;
  GError *error;
} Waiter;

static gpointer
wait_for_token (gpointer data)
{
  Waiter *w = data;

  w->acquired = tocsin_throttle_acquire (w->throttle, w->timeout, &w->retry_after, &w->error);
  g_atomic_int_set (&w->done, 1);
  return NULL;
}

/* Advances the manual clock in 10 ms steps until the @n waiters of @w have returned; gives up
 * (and fails) once the clock has moved @limit_usec, which no correct throttle needs. */
static gint64
advance_until_done (TocsinClock *clock, Waiter *w, guint n, gint64 limit_usec)
{
  gint64 start = tocsin_clock_now (clock);

  for (;;)
    {
      guint waiting = 0;

      for (guint i = 0; i < n; i++)
        waiting += !g_atomic_int_get (&w[i].done);
      if (waiting == 0)
        break;
      /* Move the clock only while every waiter sleeps on it: one that has not started waiting
       * yet, or that a step woke and the machine has not run since (it may be busy), must not
       * see its deadline run out before it looks at the bucket. */
      if (tocsin_clock_get_n_sleepers (clock) < waiting)
        {
          g_thread_yield ();
          continue;
        }
      g_assert_cmpint (tocsin_clock_now (clock) - start, <, limit_usec);
      tocsin_clock_advance (clock, 10000);
      g_thread_yield ();
    }
  return tocsin_clock_now (clock) - start;
}

static void
test_acquire_blocking (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinThrottle) throttle = new_throttle (f, 1, 1, 1);
  Waiter w = { .throttle = throttle, .timeout = 10, .retry_after = -1 };
  GThread *thread;
  gint64 moved;

  g_assert_true (tocsin_throttle_try_acquire (throttle));
  thread = g_thread_new ("waiter", wait_for_token, &w);
  /* The waiter needs one second of clock time; the wait is bounded by the clock, not by us. */
  moved = advance_until_done (f->clock, &w, 1, SECONDS (1000));
  g_thread_join (thread);

  g_assert_no_error (w.error);
  g_assert_true (w.acquired);
  g_assert_cmpfloat (w.retry_after, ==, -1);
  /* No token exists before one second has passed on the throttle's clock. */
  g_assert_cmpint (moved, >=, SECONDS (1));
}

/* A waiter whose token arrives just inside its timeout gets it. */
static void
test_acquire_blocking_within_timeout (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinThrottle) throttle = new_throttle (f, 1, 5, 1);
  Waiter w = { .throttle = throttle, .timeout = 5, .retry_after = -1 };
  GThread *thread;

  g_assert_true (tocsin_throttle_try_acquire (throttle));
  thread = g_thread_new ("waiter", wait_for_token, &w);
  advance_until_done (f->clock, &w, 1, SECONDS (1000));
  g_thread_join (thread);

  g_assert_no_error (w.error);
  g_assert_true (w.acquired);
}

/* A timeout too long to count in microseconds (up to "forever") means "wait as long as it
 * takes", not "do not wait". */
static void
test_acquire_infinite_timeout (Fixture *f, gconstpointer data)
{
  static const double timeouts[] = { INFINITY, 1e13, G_MAXDOUBLE };
  g_autoptr (TocsinThrottle) throttle = new_throttle (f, 1, 1, 1);

  for (gsize i = 0; i < G_N_ELEMENTS (timeouts); i++)
    {
      Waiter w = { .throttle = throttle, .timeout = timeouts[i], .retry_after = -1 };
      GThread *thread;

      g_test_message ("timeout %g", timeouts[i]);
      g_assert_true (tocsin_throttle_try_acquire (throttle));
      thread = g_thread_new ("waiter", wait_for_token, &w);
      advance_until_done (f->clock, &w, 1, SECONDS (1000));
      g_thread_join (thread);
      g_assert_no_error (w.error);
      g_assert_true (w.acquired);
      tocsin_throttle_reset (throttle);
    }
}

/* Several waiters on one bucket: each gets a distinct token, none more than the bucket gives. */
static void
test_acquire_blocking_many (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinThrottle) throttle = new_throttle (f, 2, 1, 1);
  Waiter w[3];
  GThread *threads[3];
  gint64 start = tocsin_clock_now (f->clock);

  g_assert_true (tocsin_throttle_try_acquire (throttle));
  for (guint i = 0; i < 3; i++)
    {
      w[i] = (Waiter) { .throttle = throttle, .timeout = 100, .retry_after = -1 };
      threads[i] = g_thread_new ("waiter", wait_for_token, &w[i]);
    }
  advance_until_done (f->clock, w, 3, SECONDS (1000));
  for (guint i = 0; i < 3; i++)
    {
      g_thread_join (threads[i]);
      g_assert_no_error (w[i].error);
      g_assert_true (w[i].acquired);
    }
  /* Three tokens at two per second need at least 1.5 s. */
  g_assert_cmpint (tocsin_clock_now (f->clock) - start, >=, SECONDS (1.5));
}

/* ---- /throttle/threads ---------------------------------------------------------------------- */

#define N_THREADS 4

static gpointer
take_all (gpointer data)
{
  TocsinThrottle *throttle = data;
  guint taken = 0;

  /* Far more attempts than tokens: every thread keeps trying after the bucket is empty. */
  for (guint i = 0; i < 5000; i++)
    taken += tocsin_throttle_try_acquire (throttle);
  return GUINT_TO_POINTER (taken);
}

static void
test_threads_exact (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinThrottle) throttle = new_throttle (f, 1000, 86400, 0);
  GThread *threads[N_THREADS];
  guint total = 0;

  for (guint i = 0; i < N_THREADS; i++)
    threads[i] = g_thread_new ("taker", take_all, tocsin_throttle_ref (throttle));
  for (guint i = 0; i < N_THREADS; i++)
    {
      total += GPOINTER_TO_UINT (g_thread_join (threads[i]));
      tocsin_throttle_unref (throttle);
    }
  g_assert_cmpuint (total, ==, 1000);
  g_assert_false (tocsin_throttle_try_acquire (throttle));
}

/* A manual clock may read negative: a timeout of 0 is still "at once", not "no deadline"
 * (G_MAXINT64 - now overflowed). */
static void
test_negative_clock (void)
{
  g_autoptr (TocsinClock) clock = tocsin_clock_new_manual (-1);
  g_autoptr (TocsinThrottle) throttle = tocsin_throttle_new_with_clock (1, 60, 1, clock);
  g_autoptr (GError) error = NULL;
  double retry_after = 0;

  g_assert_true (tocsin_throttle_try_acquire (throttle));
  g_assert_false (tocsin_throttle_acquire (throttle, 0, &retry_after, &error));
  g_assert_error (error, TOCSIN_ERROR, TOCSIN_ERROR_THROTTLED);
  g_assert_cmpfloat_with_epsilon (retry_after, 60, 1e-6);
}

/* Advancing a manual clock saturates instead of wrapping around to the past. */
static void
test_clock_advance_saturates (void)
{
  g_autoptr (TocsinClock) clock = tocsin_clock_new_manual (1000);

  tocsin_clock_advance (clock, G_MAXINT64);
  g_assert_cmpint (tocsin_clock_now (clock), ==, G_MAXINT64);
  tocsin_clock_advance (clock, 1);
  g_assert_cmpint (tocsin_clock_now (clock), ==, G_MAXINT64);
}

typedef struct
{
  TocsinClock *clock;
  gint64 until;
} Sleeper;

static gpointer
sleep_on_clock (gpointer data)
{
  Sleeper *s = data;

  tocsin_clock_sleep_until (s->clock, s->until);
  return NULL;
}

/* A sleeper counts until the clock reaches its deadline, not until it has run again: right after
 * an advance that woke one of two sleepers, one is counted, whether or not the woken thread has
 * left its wait yet (a driver that counted it would move the clock on while it is not waiting). */
static void
test_clock_sleepers_due (void)
{
  g_autoptr (TocsinClock) clock = tocsin_clock_new_manual (0);
  Sleeper near = { clock, G_USEC_PER_SEC }, far = { clock, 100 * G_USEC_PER_SEC };
  GThread *threads[2] = { g_thread_new ("near", sleep_on_clock, &near),
                          g_thread_new ("far", sleep_on_clock, &far) };

  while (tocsin_clock_get_n_sleepers (clock) < 2)
    g_thread_yield ();
  tocsin_clock_advance (clock, 2 * G_USEC_PER_SEC);
  g_assert_cmpuint (tocsin_clock_get_n_sleepers (clock), ==, 1);
  g_thread_join (threads[0]);
  g_assert_cmpuint (tocsin_clock_get_n_sleepers (clock), ==, 1);
  tocsin_clock_advance (clock, 100 * G_USEC_PER_SEC);
  g_assert_cmpuint (tocsin_clock_get_n_sleepers (clock), ==, 0);
  g_thread_join (threads[1]);
}

int
main (int argc, char **argv)
{
  tt_init (&argc, &argv);
  g_test_add_func ("/throttle/clock/negative", test_negative_clock);
  g_test_add_func ("/throttle/clock/advance-saturates", test_clock_advance_saturates);
  g_test_add_func ("/throttle/clock/sleepers-due", test_clock_sleepers_due);

#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
  ADD ("/throttle/clamp/in-range", test_clamp_in_range);
  ADD ("/throttle/clamp/rate", test_clamp_rate);
  ADD ("/throttle/clamp/per", test_clamp_per);
  ADD ("/throttle/clamp/burst", test_clamp_burst);
  ADD ("/throttle/clamp/nan", test_clamp_nan);
  ADD ("/throttle/try-acquire/burst", test_try_acquire_burst);
  ADD ("/throttle/try-acquire/rate-one", test_try_acquire_rate_one);
  ADD ("/throttle/refill/rate", test_refill_rate);
  ADD ("/throttle/refill/not-early", test_refill_not_early);
  ADD ("/throttle/refill/small-steps", test_refill_small_steps);
  ADD ("/throttle/refill/caps-at-rate", test_refill_caps_at_rate);
  ADD ("/throttle/available/fractional", test_available_fractional);
  ADD ("/throttle/time-until-available/exact", test_time_until_available);
  ADD ("/throttle/time-until-available/fast", test_time_until_available_fast);
  ADD ("/throttle/reset", test_reset);
  ADD ("/throttle/ref-unref", test_ref_unref);
  ADD ("/throttle/clock-reference", test_clock_reference);
  ADD ("/throttle/acquire/available", test_acquire_available);
  ADD ("/throttle/acquire/no-wait", test_acquire_no_wait);
  ADD ("/throttle/acquire/bad-timeout", test_acquire_bad_timeout);
  ADD ("/throttle/acquire/blocking-one", test_acquire_blocking);
  ADD ("/throttle/acquire/blocking-within-timeout", test_acquire_blocking_within_timeout);
  ADD ("/throttle/acquire/blocking-many", test_acquire_blocking_many);
  ADD ("/throttle/acquire/infinite-timeout", test_acquire_infinite_timeout);
  ADD ("/throttle/threads/exact", test_threads_exact);
#undef ADD
  g_test_add_func ("/throttle/system-clock", test_system_clock);
  g_test_add_func ("/throttle/acquire/beyond-timeout", test_acquire_beyond_timeout);
  g_test_add_func ("/throttle/subprocess/acquire-beyond-timeout", child_acquire_beyond_timeout);

  return g_test_run ();
}
