/* cmds.h - the subcommands of the portcullis CLI.
 * Each takes the arguments after the subcommand name (argv[0] is the
 * subcommand) and returns the process exit status; each has a pc_cli_cmd
 * that says what it is and which options it takes. */
#ifndef PC_CMDS_H
#define PC_CMDS_H

#define PC_DEFAULT_CONF "/etc/portcullis/portcullis.conf"

struct pc_cli_cmd;

int pc_cmd_check(int argc, char **argv);   /* tools/cmd_check.c */
int pc_cmd_explain(int argc, char **argv); /* tools/cmd_explain.c */
int pc_cmd_hooks(int argc, char **argv);   /* tools/cmd_hooks.c */
int pc_cmd_log(int argc, char **argv);     /* tools/cmd_log.c */
int pc_cmd_enable(int argc, char **argv);  /* tools/cmd_toggle.c */
int pc_cmd_disable(int argc, char **argv); /* tools/cmd_toggle.c */
int pc_cmd_list(int argc, char **argv);    /* tools/cmd_list.c */
int pc_cmd_status(int argc, char **argv);  /* tools/cmd_status.c */
int pc_cmd_diff(int argc, char **argv);    /* tools/cmd_diff.c */

extern const struct pc_cli_cmd pc_check_cli, pc_explain_cli, pc_hooks_cli, pc_log_cli,
	pc_enable_cli, pc_disable_cli, pc_list_cli, pc_status_cli, pc_diff_cli;

#endif
