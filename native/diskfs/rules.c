/*
 * Latency and error rules per operation kind, and the seeded draws that decide whether a rule
 * with probability p hits. One mutex guards the rules, the generator and the counters: an
 * operation holds it for a few instructions, never while it sleeps or does I/O.
 */
#include "diskfs.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define MAX_ERROR_RULES 64

struct error_rule {
  unsigned mask;
  int err;
  double probability;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long latency_us[OPK_COUNT];
static struct error_rule error_rules[MAX_ERROR_RULES];
static int error_rule_count;
static uint64_t prng_state;
static unsigned long long ops_served, errors_injected;

static const char *const kind_names[OPK_COUNT] = {
    "open",     "create", "read",   "write",   "fsync",   "truncate", "rename",
    "unlink",   "mkdir",  "rmdir",  "readdir", "getattr", NULL,
};

int rules_parse_ops(const char *list, unsigned *mask) {
  char copy[256];
  if (strlen(list) >= sizeof copy) return -1;
  strcpy(copy, list);
  unsigned m = 0;
  char *save = NULL;
  for (char *tok = strtok_r(copy, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
    if (strcmp(tok, "all") == 0) {
      m |= (1u << OPK_COUNT) - 1; /* OTHER included: `all` means every operation */
      continue;
    }
    int found = -1;
    for (int k = 0; k < OPK_COUNT; k++)
      if (kind_names[k] != NULL && strcmp(tok, kind_names[k]) == 0) found = k;
    if (found < 0) return -1;
    m |= 1u << found;
  }
  if (m == 0) return -1;
  *mask = m;
  return 0;
}

int rules_parse_errno(const char *name, int *err) {
  char *end = NULL;
  long n = strtol(name, &end, 10);
  if (end != name && *end == '\0') {
    if (n <= 0 || n > 4095) return -1;
    *err = (int)n;
    return 0;
  }
  /* Any name glibc knows (EIO, ENOSPC, EDQUOT...), not only a fixed list. */
  for (int e = 1; e < 200; e++) {
    const char *known = strerrorname_np(e);
    if (known != NULL && strcasecmp(known, name) == 0) {
      *err = e;
      return 0;
    }
  }
  return -1;
}

void rules_set_latency(unsigned mask, long microseconds) {
  pthread_mutex_lock(&lock);
  for (int k = 0; k < OPK_COUNT; k++)
    if (mask & (1u << k)) latency_us[k] = microseconds;
  pthread_mutex_unlock(&lock);
}

int rules_add_error(unsigned mask, int err, double probability) {
  int r = 0;
  pthread_mutex_lock(&lock);
  if (error_rule_count == MAX_ERROR_RULES) {
    r = -1;
  } else {
    error_rules[error_rule_count++] = (struct error_rule){mask, err, probability};
  }
  pthread_mutex_unlock(&lock);
  return r;
}

void rules_clear(void) {
  pthread_mutex_lock(&lock);
  memset(latency_us, 0, sizeof latency_us);
  error_rule_count = 0;
  pthread_mutex_unlock(&lock);
}

void rules_seed(uint64_t seed) {
  pthread_mutex_lock(&lock);
  prng_state = seed;
  pthread_mutex_unlock(&lock);
}

/* splitmix64: tiny, good enough for fault draws, and one word of state makes `seed n` exact. */
static uint64_t next_u64(void) {
  uint64_t z = (prng_state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

/*
 * Called first by every operation: counts it, sleeps its latency, then draws its error rules
 * in order (a rule with 0 < p < 1 consumes one draw; p = 1 and p = 0 need none, so a sequence
 * for a seed depends only on the probabilistic rules the operations meet).
 */
int fault_enter(enum op_kind kind) {
  long sleep_us;
  int err = 0;
  pthread_mutex_lock(&lock);
  ops_served++;
  sleep_us = latency_us[kind];
  for (int i = 0; i < error_rule_count && err == 0; i++) {
    const struct error_rule *r = &error_rules[i];
    if (!(r->mask & (1u << kind)) || r->probability <= 0) continue;
    if (r->probability >= 1 || (double)(next_u64() >> 11) * 0x1.0p-53 < r->probability) {
      err = r->err;
      errors_injected++;
    }
  }
  pthread_mutex_unlock(&lock);
  if (sleep_us > 0) {
    struct timespec ts = {sleep_us / 1000000, (sleep_us % 1000000) * 1000};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
  }
  return -err;
}

void rules_counters(unsigned long long *ops, unsigned long long *errors) {
  pthread_mutex_lock(&lock);
  *ops = ops_served;
  *errors = errors_injected;
  pthread_mutex_unlock(&lock);
}

/* A seed from the clock when --seed is not given, so runs differ unless asked not to. */
__attribute__((constructor)) static void default_seed(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  prng_state = (uint64_t)ts.tv_sec * 1000000007ULL ^ (uint64_t)ts.tv_nsec;
}
