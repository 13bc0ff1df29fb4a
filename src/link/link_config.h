/*
 * link_config.h - the [link] section of a tipwatch config file: the
 * linker's options (link.h) that a deployment sets once.
 *
 *     [link]
 *     threshold = 4.25     # match weight that links (bits)
 *     review_low = 0       # lower edge of the clerical review band
 *     veto = 0             # chain guard
 *     block_cap = 500      # profiles in one block (2..1e8)
 *
 * Other sections are skipped (they belong to the engine's config parser,
 * engine/config.h); '#' and ';' start comments. Thread model: none (a
 * plain function on a file).
 */
#ifndef TW_LINK_CONFIG_H
#define TW_LINK_CONFIG_H

#include "base/err.h"
#include "link/link.h"

/* Reads the [link] section of `path` into *o, leaving the options not
 * named there as they are; keep_threshold / keep_block_cap: a value the
 * command line gave wins over the file's. TW_ENOTFOUND when the file does
 * not open; TW_EINPUT naming the file and line for an unknown key, a value
 * that is not a finite number, a block_cap out of 2..1e8, or review_low
 * above threshold. */
tw_err_t link_config_read(const char *path, link_opts_t *o, int keep_threshold,
                          int keep_block_cap, tw_errinfo_t *ei);

#endif
