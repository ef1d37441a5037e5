/* pidfile.h - the daemon's pid file, written and removed by root without
 * trusting what is already at its path: a symlink, a FIFO or a hard link
 * planted there is replaced, never followed, opened or written through. */
#ifndef PC_PIDFILE_H
#define PC_PIDFILE_H

/* Writes "PID\n" to path (absolute) atomically: a new file in the same
 * directory, then rename. Refuses a directory, or any directory or symlink
 * on the way to it, that belongs to another user or that others may write
 * without the sticky bit: they could swap the file or redirect the path.
 * Returns 0, or -1 with errno (EPERM: such a path; EINVAL: relative). */
int pc_pidfile_write(const char *path, long pid);

/* Removes path when it is a regular file (not a symlink) that holds pid;
 * never blocks. Returns 0 when removed, or -1 with errno (ESRCH: it holds
 * another pid or is not a regular file). */
int pc_pidfile_remove(const char *path, long pid);

#endif
