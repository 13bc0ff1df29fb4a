/*
 * cli.h - the command-line front end. main() only calls cli_main().
 */
#ifndef TW_CLI_H
#define TW_CLI_H

/* Runs one tipwatch command; returns the process exit status
 * (0 ok, 1 user error, 2 internal error). */
int cli_main(int argc, char **argv);

#endif
