/* cmds.h - the subcommands of the portcullis CLI.
 * Each takes the arguments after the subcommand name (argv[0] is the
 * subcommand) and returns the process exit status. */
#ifndef PC_CMDS_H
#define PC_CMDS_H

#define PC_DEFAULT_CONF "/etc/portcullis/portcullis.conf"

int pc_cmd_check(int argc, char **argv);   /* tools/cmd_check.c */
int pc_cmd_explain(int argc, char **argv); /* tools/cmd_explain.c */
int pc_cmd_hooks(int argc, char **argv);   /* tools/cmd_hooks.c */
int pc_cmd_log(int argc, char **argv);     /* tools/cmd_log.c */
int pc_cmd_enable(int argc, char **argv);  /* tools/cmd_toggle.c */
int pc_cmd_disable(int argc, char **argv); /* tools/cmd_toggle.c */
int pc_cmd_list(int argc, char **argv);    /* tools/cmd_list.c */
int pc_cmd_status(int argc, char **argv);  /* tools/cmd_status.c */

#endif
