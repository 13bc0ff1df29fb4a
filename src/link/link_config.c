/*
 * link_config.c - the [link] section of a config file (contract in
 * link_config.h). A line reader of its own: the engine's config parser
 * (engine/config.c) sits above link in the layers and knows only the
 * screening's sections, so link cannot call it and it does not read this
 * one. Data: one line buffer of 4 KiB; a longer line is read in pieces,
 * each of which must parse. No allocation; nothing returned to free.
 */
#include "link/link_config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

tw_err_t link_config_read(const char *path, link_opts_t *o, int keep_threshold,
                          int keep_block_cap, tw_errinfo_t *ei)
{
    FILE *f = fopen(path, "r");
    char line[4096];
    long ln = 0;
    int in = 0;
    char what[64] = "";

    if (!f) {
        tw_errinfo_file(ei, path);
        return tw_errinfo_set(ei, TW_ENOTFOUND, "cannot open the config file");
    }
    while (fgets(line, sizeof line, f)) {
        char *p = line, *eq, *end, *k, *v;
        double d;
        ln++;
        p[strcspn(p, "#;\r\n")] = '\0';
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p == '\0')
            continue;
        if (*p == '[') {
            in = strncmp(p, "[link]", 6) == 0;
            continue;
        }
        if (!in)
            continue;
        snprintf(what, sizeof what, "%.*s", (int)strcspn(p, "= \t"), p);
        eq = strchr(p, '=');
        if (!eq)
            goto bad;
        *eq = '\0';
        k = p;
        v = eq + 1;
        for (end = eq; end > k && (end[-1] == ' ' || end[-1] == '\t'); end--)
            end[-1] = '\0';
        while (*v == ' ' || *v == '\t')
            v++;
        for (end = v + strlen(v); end > v && (end[-1] == ' ' || end[-1] == '\t'); end--)
            end[-1] = '\0';
        d = strtod(v, &end);
        if (end == v || *end != '\0' || !isfinite(d))
            goto bad;
        if (strcmp(k, "threshold") == 0) {
            if (!keep_threshold)
                o->threshold = d;
        } else if (strcmp(k, "review_low") == 0) {
            o->review_low = d;
        } else if (strcmp(k, "veto") == 0) {
            o->veto = d;
        } else if (strcmp(k, "block_cap") == 0 && d >= 2 && d <= 1e8) {
            if (!keep_block_cap)
                o->block_cap = (size_t)d;
        } else {
            goto bad;
        }
    }
    fclose(f);
    if (o->review_low > o->threshold) {
        tw_errinfo_file(ei, path);
        return tw_errinfo_set(ei, TW_EINPUT, "[link] review_low is above threshold");
    }
    return TW_OK;
bad:
    fclose(f);
    tw_errinfo_file(ei, path);
    ei->line = ln;
    return tw_errinfo_set(ei, TW_EINPUT,
                          "[link] '%s': expected threshold, review_low, veto (numbers) or "
                          "block_cap (2..1e8) = value",
                          what);
}
