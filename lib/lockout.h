/* lockout.h - would a policy cut the administrators off? Which enabled
 * rules admit inbound connections to the host's SSH port, whether the SSH
 * session a command runs in is admitted, and which live SSH connections
 * (from conntrack) a policy would deny. */
#ifndef PC_LOCKOUT_H
#define PC_LOCKOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "diag.h"
#include "index.h"
#include "packet.h"
#include "policy.h"

#define PC_SSH_PORT 22
#define PC_SSH_SPORT 50000 /* the client port of a sample probe: ephemeral on any OS */
#define PC_LOCKOUT_NAMED 4 /* admitting rules remembered by name */

/* An SSH session as SSH_CONNECTION gives it: "CLIENT CPORT SERVER SPORT". */
struct pc_ssh_session {
	uint8_t family;
	uint8_t client[16], server[16];
	uint16_t cport, sport;
};

/* Parses s (SSH_CONNECTION's value). Returns 0, or -1 with errno EINVAL. */
int pc_ssh_session_parse(const char *s, struct pc_ssh_session *out);

/* The session of this process (SSH_CONNECTION). Returns true with *out
 * set, false when there is none (or it does not parse). */
bool pc_ssh_session_env(struct pc_ssh_session *out);

enum pc_ssh_port_from { PC_SSHP_DEFAULT, PC_SSHP_SETTING, PC_SSHP_SESSION };

struct pc_lockout {
	uint16_t port;                /* the SSH port looked at */
	enum pc_ssh_port_from from;   /* where the port came from */
	bool empty;                   /* no enabled rule, and default = deny */
	bool session;                 /* a session was given: session_* are set */
	bool session_admitted;
	long session_rule;            /* the rule deciding the session, -1: the default */
	bool admitted;                /* inbound SSH is admitted from some address */
	size_t n_admit;               /* rules that admit it from some address */
	long admit[PC_LOCKOUT_NAMED]; /* the first of them, in file order */
	long deny_rule;               /* the rule denying the first sample denied, -1: default */
};

/* Analyses p (ix: its index) for inbound TCP to the SSH port: the port of
 * sess when given, else the ssh-port setting, else 22. "Admitted from some
 * address": the best match is a permit for some remote address, with the
 * session's server address (or no particular one) as the local address
 * and a client port of PC_SSH_SPORT. The remote addresses tried are the
 * bounds of every remote prefix of the rules that could match, which is
 * exact for the remote address. Returns 0, or -1 with errno. */
int pc_lockout_analyse(const struct pc_policy *p, const struct pc_index *ix,
		       const struct pc_ssh_session *sess, struct pc_lockout *lo);

/* "SSH (tcp port 22)" or "SSH (tcp port 2222, ssh-port)" into buf. */
const char *pc_lockout_port(const struct pc_lockout *lo, char *buf, size_t len);

/* "'SSH Server', 'Admins'" (at most PC_LOCKOUT_NAMED, then "and N more"). */
const char *pc_lockout_admitters(const struct pc_policy *p, const struct pc_lockout *lo,
				 char *buf, size_t len);

/* "'NAME'" of rule r, or "the default" for -1, into buf. */
const char *pc_lockout_rule(const struct pc_policy *p, long r, char *buf, size_t len);

/* The warnings of p's analysis into diag, named by the policy's path: no
 * rule admits SSH (sess: the session is denied); no enabled rule under
 * default = deny (an error when strict and allow-empty is not set).
 * Returns 0, or -1 with errno (memory). */
int pc_lockout_diag(const struct pc_policy *p, const struct pc_index *ix,
		    const struct pc_ssh_session *sess, bool strict, struct pc_diag *diag);

/* Reads established TCP connections to port from a conntrack table
 * (/proc/net/nf_conntrack format) as inbound packets of their originals
 * (in, client to server). Calls fn for each; stops when it returns
 * non-zero. Returns 0, or -1 with errno (a read error). */
int pc_lockout_live(FILE *f, uint16_t port, int (*fn)(void *ctx, const struct pc_pkt *pkt),
		    void *ctx);

#endif
