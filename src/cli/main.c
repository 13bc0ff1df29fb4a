/*
 * main.c - entry point of the tipwatch binary; everything else lives in
 * the twcore library so that tests link the same code.
 */
#include <locale.h>

#include "cli/cli.h"

int main(int argc, char **argv)
{
    /* Byte semantics everywhere: no locale-dependent parsing or output. */
    setlocale(LC_ALL, "C");
    return cli_main(argc, argv);
}
