/*
 * stats_int.h - private to src/stats/: the in-memory form of the registers
 * the pattern tables and the quality report read (data.c loads it).
 *
 * Strings of coded columns are interned once into `dict`; a record holds
 * their index (0 = unknown). rank[i] is the alphabetical rank of string i,
 * so that sorting by rank sorts by text.
 */
#ifndef TW_STATS_INT_H
#define TW_STATS_INT_H

#include <stdint.h>

#include "base/strmap.h"
#include "stats/stats.h"

enum { DEC_OTHER = 0, DEC_PENDING, DEC_APPROVED, DEC_REJECTED, DEC_WITHDRAWN, DEC_REVOKED };
enum { SEX_UNKNOWN = 0, SEX_F, SEX_M, SEX_X };

#define NO_DAY INT32_MIN
/* Distinct strings of the dictionary at most: sort keys hold ranks in 21 bits. */
#define STATS_DICT_MAX 0x1fffffu

typedef struct {
    int32_t sub, dec, vfrom, vto; /* days; NO_DAY when unknown */
    uint32_t cit, sector, region, isco2, inter_name, inter_id; /* dict indexes; 0 unknown */
    uint32_t worker, employer, inter; /* store entity ids; 0 unknown */
    int32_t prev;                     /* index of the application it renews; -1 none; -2 not found */
    int64_t salary;                   /* -1 unknown */
    uint8_t decision, sex;
} st_app_t;

typedef struct {
    int32_t day;
    uint32_t worker;
    uint8_t in; /* 1 entry, 0 exit */
    uint8_t work; /* purpose work */
} st_cross_t;

struct stats_data {
    st_app_t *apps;
    size_t napps;
    st_cross_t *cross; /* sorted by worker, then day, exits before entries on one day */
    size_t ncross;
    char **dict;       /* dict[0] = "" */
    uint32_t *rank;
    size_t ndict, dcap;
    strmap_t dmap;
    const config_t *cfg;
    config_t *own_cfg;
    int32_t last_day; /* the latest date seen in either register */
};

/* The minimum wage in force on `day`, -1 when unknown. */
int64_t stats_min_wage(const stats_data_t *d, int32_t day);
/* First index in d->cross of worker w, or d->ncross. */
size_t stats_cross_first(const stats_data_t *d, uint32_t w);

/* Sorting helper: three 64-bit keys and an index, sorted ascending. */
typedef struct {
    uint64_t a, b, c;
    uint32_t i;
} st_key_t;
void stats_sort_keys(st_key_t *k, size_t n);
/* Year of a day (UTC calendar). */
int stats_year(int32_t day);
/* Year*12 + month-1 of a day. */
int stats_month(int32_t day);

#endif
