/* Lint sample: an app's own header. */
int cli_run(int argc, char **argv);
