// Exit codes systemd and scripts can tell apart.

/**
 * The gateway refused to start on what it was given (a configuration that does not validate, a data
 * folder written by a newer medgate): starting again cannot help, so the service unit names it in
 * RestartPreventExitStatus= instead of restarting every few seconds for ever. sysexits.h EX_CONFIG.
 */
export const EXIT_REFUSED = 78;
