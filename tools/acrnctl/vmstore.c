/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Records of added VMs (vmstore.h).  The files are small and line based so an
 * integrator can read them; they are still parsed as untrusted (length limits,
 * no key accepted twice silently, the name checked against the directory).
 * Files are replaced with write-to-temporary + rename(), so a crash never
 * leaves half a record.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "vmstore.h"

const char *vmstore_dir(void)
{
	const char *d = getenv("ACRN_STATE_DIR");

	return (d != NULL && d[0] != '\0') ? d : VMSTORE_DEFAULT_DIR;
}

bool vmstore_name_is_valid(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n >= MONITOR_NAME_MAX || name[0] == '-' || name[0] == '.')
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.'))
			return false;
	}
	return true;
}

/* ---- finding the VM name in a launch script --------------------------- */

#define TOK_MAX		256		/* words per command, longer commands are cut */
#define WORD_MAX	4096

struct scan {
	const char *s;
	size_t len, pos;
	int argc;
	char *const *argv;
	char words[TOK_MAX][MONITOR_NAME_MAX];	/* only short words can be names */
	bool is_dm[TOK_MAX];
	int nwords;
	char found[MONITOR_NAME_MAX];
};

/* End of one command: look for acrn-dm and take its last word. */
static void scan_command(struct scan *sc)
{
	int dm = -1;

	for (int i = 0; i < sc->nwords; i++)
		if (sc->is_dm[i]) {
			dm = i;
			break;
		}
	if (dm >= 0 && sc->nwords - 1 > dm && vmstore_name_is_valid(sc->words[sc->nwords - 1]))
		memcpy(sc->found, sc->words[sc->nwords - 1], MONITOR_NAME_MAX);
	sc->nwords = 0;
}

/* $N or ${N} alone as a word: the script's N-th argument. */
static const char *scan_positional(const char *w, int argc, char *const argv[])
{
	int n = -1;

	if (w[0] == '$' && w[1] >= '1' && w[1] <= '9' && w[2] == '\0')
		n = w[1] - '0';
	else if (w[0] == '$' && w[1] == '{' && w[2] >= '1' && w[2] <= '9' && w[3] == '}' &&
		 w[4] == '\0')
		n = w[2] - '0';
	if (n < 1 || n > argc)
		return NULL;
	return argv[n - 1];
}

static void scan_add_word(struct scan *sc, const char *w, bool quoted_var)
{
	const char *base = strrchr(w, '/');
	const char *sub;
	int i = sc->nwords;

	if (i >= TOK_MAX)
		return;
	base = base ? base + 1 : w;
	sub = quoted_var ? scan_positional(w, sc->argc, sc->argv) : NULL;
	if (sub == NULL)
		sub = w;
	if (strlen(sub) < MONITOR_NAME_MAX)
		strcpy(sc->words[i], sub);
	else
		strcpy(sc->words[i], "-");	/* cannot be a name */
	sc->is_dm[i] = strcmp(base, "acrn-dm") == 0;
	sc->nwords++;
}

/*
 * Read one word starting at sc->pos (not at blank or operator).  Quotes are
 * removed; a word that is exactly an unquoted or double-quoted $N is kept
 * literally so it can be substituted.
 */
static void scan_word(struct scan *sc, char *w, bool *var_ok)
{
	size_t n = 0;

	*var_ok = true;
	while (sc->pos < sc->len) {
		char c = sc->s[sc->pos];

		if (c == ' ' || c == '\t' || c == '\n' || c == ';' || c == '&' || c == '|' ||
		    c == '<' || c == '>' || c == '(' || c == ')')
			break;
		sc->pos++;
		if (c == '\\' && sc->pos < sc->len) {
			c = sc->s[sc->pos++];
			if (c == '\n')
				continue;	/* line continuation */
			*var_ok = false;
		} else if (c == '\'') {
			*var_ok = false;
			while (sc->pos < sc->len && sc->s[sc->pos] != '\'') {
				if (n < WORD_MAX - 1)
					w[n++] = sc->s[sc->pos];
				sc->pos++;
			}
			sc->pos++;
			continue;
		} else if (c == '"') {
			while (sc->pos < sc->len && sc->s[sc->pos] != '"') {
				c = sc->s[sc->pos++];
				if (c == '\\' && sc->pos < sc->len)
					c = sc->s[sc->pos++];
				if (n < WORD_MAX - 1)
					w[n++] = c;
			}
			sc->pos++;
			continue;
		}
		if (n < WORD_MAX - 1)
			w[n++] = c;
	}
	w[n] = '\0';
}

int vmstore_name_from_text(const char *text, size_t len, int argc, char *const argv[],
			   char name[MONITOR_NAME_MAX])
{
	struct scan *sc = calloc(1, sizeof(*sc));
	char *w = malloc(WORD_MAX);
	bool skip_next = false, var_ok;
	int rc;

	if (sc == NULL || w == NULL) {
		free(sc);
		free(w);
		return -ENOMEM;
	}
	sc->s = text;
	sc->len = len;
	sc->argc = argc;
	sc->argv = argv;
	while (sc->pos < len) {
		char c = text[sc->pos];

		if (c == ' ' || c == '\t' || c == '\r') {
			sc->pos++;
		} else if (c == '\\' && sc->pos + 1 < len && text[sc->pos + 1] == '\n') {
			sc->pos += 2;
		} else if (c == '#' && (sc->pos == 0 || strchr(" \t\n;&|", text[sc->pos - 1]))) {
			while (sc->pos < len && text[sc->pos] != '\n')
				sc->pos++;
		} else if (c == '\n' || c == ';' || c == '&' || c == '|' || c == '(' || c == ')') {
			scan_command(sc);
			sc->pos++;
		} else if (c == '<' || c == '>') {
			/* A redirection: its operator and its target are not arguments. */
			while (sc->pos < len && strchr("<>&", text[sc->pos]) != NULL)
				sc->pos++;
			skip_next = true;
		} else {
			scan_word(sc, w, &var_ok);
			if (sc->pos < len && (text[sc->pos] == '>' || text[sc->pos] == '<') &&
			    w[strspn(w, "0123456789")] == '\0')
				continue;	/* the "2" of 2>file */
			if (skip_next)
				skip_next = false;
			else
				scan_add_word(sc, w, var_ok);
		}
	}
	scan_command(sc);
	rc = sc->found[0] != '\0' ? 0 : -ENOENT;
	if (rc == 0)
		memcpy(name, sc->found, MONITOR_NAME_MAX);
	free(w);
	free(sc);
	return rc;
}

int vmstore_name_from_script(const char *path, int argc, char *const argv[],
			     char name[MONITOR_NAME_MAX])
{
	struct stat st;
	char *text;
	ssize_t r;
	size_t got = 0;
	int fd, rc;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -EINVAL;
	}
	if (st.st_size > VMSTORE_SCRIPT_MAX) {
		close(fd);
		return -EFBIG;
	}
	text = malloc((size_t)st.st_size + 1);
	if (text == NULL) {
		close(fd);
		return -ENOMEM;
	}
	while (got < (size_t)st.st_size &&
	       (r = read(fd, text + got, (size_t)st.st_size - got)) > 0)
		got += (size_t)r;
	close(fd);
	rc = vmstore_name_from_text(text, got, argc, argv, name);
	free(text);
	return rc;
}

/* ---- records ---------------------------------------------------------- */

static int vm_path(char *buf, size_t len, const char *name, const char *file)
{
	int n;

	if (file != NULL)
		n = snprintf(buf, len, "%s/%s/%s", vmstore_dir(), name, file);
	else
		n = snprintf(buf, len, "%s/%s", vmstore_dir(), name);
	return (n < 0 || (size_t)n >= len) ? -ENAMETOOLONG : 0;
}

static int mkdir_p(const char *dir, mode_t mode)
{
	char tmp[PATH_MAX];
	size_t n = strlen(dir);

	if (n == 0 || n >= sizeof(tmp))
		return -ENAMETOOLONG;
	memcpy(tmp, dir, n + 1);
	for (size_t i = 1; i <= n; i++) {
		if (tmp[i] != '/' && tmp[i] != '\0')
			continue;
		tmp[i] = '\0';
		if (mkdir(tmp, mode) != 0 && errno != EEXIST)
			return -errno;
		tmp[i] = i == n ? '\0' : '/';
	}
	return 0;
}

/* Replace @p path by @p len bytes of @p data atomically. */
static int write_file(const char *path, const void *data, size_t len)
{
	char tmp[PATH_MAX + 8];
	int fd, rc = 0;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp))
		return -ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	if (write(fd, data, len) != (ssize_t)len || fsync(fd) != 0)
		rc = errno ? -errno : -EIO;
	close(fd);
	if (rc == 0 && rename(tmp, path) != 0)
		rc = -errno;
	if (rc != 0)
		unlink(tmp);
	return rc;
}

/* Read a whole small file (at most @p max bytes) into a NUL-terminated buffer. */
static int read_file(const char *path, char *buf, size_t max, size_t *len)
{
	size_t got = 0;
	ssize_t r;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (got < max && (r = read(fd, buf + got, max - got)) > 0)
		got += (size_t)r;
	/* A file that fills the buffer is larger than any valid one. */
	if (got == max) {
		close(fd);
		return -EFBIG;
	}
	close(fd);
	buf[got] = '\0';
	*len = got;
	return 0;
}

static unsigned long vmstore_next_seq(void)
{
	struct vm_record *all;
	unsigned long seq = 0;
	size_t n;

	if (vmstore_list(&all, &n) != 0)
		return 1;
	for (size_t i = 0; i < n; i++)
		if (all[i].seq > seq)
			seq = all[i].seq;
	free(all);
	return seq + 1;
}

int vmstore_add(struct vm_record *r)
{
	char dir[PATH_MAX], path[PATH_MAX], conf[PATH_MAX + 128];
	char *args;
	size_t alen = 0;
	int rc, n;

	if (!vmstore_name_is_valid(r->name) || r->script[0] != '/' ||
	    strchr(r->script, '\n') != NULL)
		return -EINVAL;
	if (r->argc < 0 || r->argc > VMSTORE_MAX_ARGS)
		return -E2BIG;
	/* Pack the arguments NUL-separated at the front of a scratch buffer. */
	args = malloc(VMSTORE_ARGS_BYTES);
	if (args == NULL)
		return -ENOMEM;
	for (int i = 0; i < r->argc; i++) {
		size_t l = strlen(r->argv[i]) + 1;

		if (alen + l > VMSTORE_ARGS_BYTES) {
			free(args);
			return -E2BIG;
		}
		memcpy(args + alen, r->argv[i], l);
		alen += l;
	}
	rc = vm_path(dir, sizeof(dir), r->name, NULL);
	if (rc == 0)
		rc = mkdir_p(vmstore_dir(), 0755);
	if (rc == 0 && mkdir(dir, 0755) != 0)
		rc = errno == EEXIST ? -EEXIST : -errno;
	if (rc != 0) {
		free(args);
		return rc;
	}
	r->seq = vmstore_next_seq();
	n = snprintf(conf, sizeof(conf), "script=%s\nautostart=%d\nrestart=%d\nseq=%lu\n",
		     r->script, r->autostart, r->restart, r->seq);
	rc = vm_path(path, sizeof(path), r->name, "args");
	if (rc == 0)
		rc = write_file(path, args, alen);
	if (rc == 0)
		rc = vm_path(path, sizeof(path), r->name, "vm.conf");
	/* vm.conf last: a directory without it is not a VM. */
	if (rc == 0)
		rc = write_file(path, conf, (size_t)n);
	free(args);
	if (rc != 0)
		vmstore_del(r->name);
	return rc;
}

static int parse_bool(const char *v, bool *out)
{
	if (strcmp(v, "0") == 0 || strcmp(v, "1") == 0) {
		*out = v[0] == '1';
		return 0;
	}
	return -EINVAL;
}

static int parse_conf(char *text, struct vm_record *r)
{
	unsigned int seen = 0;
	char *save = NULL;

	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *eq = strchr(line, '='), *end;
		int rc = 0;
		unsigned int bit;

		if (eq == NULL)
			return -EINVAL;
		*eq++ = '\0';
		if (strcmp(line, "script") == 0) {
			bit = 1;
			if (eq[0] != '/' || strlen(eq) >= sizeof(r->script))
				return -EINVAL;
			strcpy(r->script, eq);
		} else if (strcmp(line, "autostart") == 0) {
			bit = 2;
			rc = parse_bool(eq, &r->autostart);
		} else if (strcmp(line, "restart") == 0) {
			bit = 4;
			rc = parse_bool(eq, &r->restart);
		} else if (strcmp(line, "seq") == 0) {
			bit = 8;
			errno = 0;
			r->seq = strtoul(eq, &end, 10);
			if (errno != 0 || end == eq || *end != '\0')
				rc = -EINVAL;
		} else {
			continue;	/* keys of later versions */
		}
		if (rc != 0 || (seen & bit))
			return -EINVAL;
		seen |= bit;
	}
	return (seen & 1) ? 0 : -EINVAL;
}

int vmstore_load(const char *name, struct vm_record *r)
{
	char path[PATH_MAX], *text;
	size_t len, off = 0;
	int rc;

	memset(r, 0, sizeof(*r));
	if (!vmstore_name_is_valid(name))
		return -ENOENT;
	strcpy(r->name, name);
	text = malloc(PATH_MAX + 256);
	if (text == NULL)
		return -ENOMEM;
	rc = vm_path(path, sizeof(path), name, "vm.conf");
	if (rc == 0)
		rc = read_file(path, text, PATH_MAX + 255, &len);
	if (rc == 0)
		rc = parse_conf(text, r);
	else if (rc != -ENOENT)
		rc = -EINVAL;
	free(text);
	if (rc != 0)
		return rc;
	rc = vm_path(path, sizeof(path), name, "args");
	if (rc == 0)
		rc = read_file(path, r->argbuf, sizeof(r->argbuf) - 1, &len);
	if (rc == -ENOENT) {
		len = 0;
		rc = 0;
	}
	if (rc != 0 || (len > 0 && r->argbuf[len - 1] != '\0'))
		return -EINVAL;
	while (off < len) {
		if (r->argc >= VMSTORE_MAX_ARGS)
			return -EINVAL;
		r->argv[r->argc++] = r->argbuf + off;
		off += strlen(r->argbuf + off) + 1;
	}
	r->argv[r->argc] = NULL;
	return 0;
}

int vmstore_del(const char *name)
{
	static const char *const files[] = { "vm.conf", "args", "launcher", "vm.conf.tmp",
					     "args.tmp", "launcher.tmp" };
	char path[PATH_MAX], log[MONITOR_NAME_MAX + 8];
	int rc;

	if (!vmstore_name_is_valid(name))
		return -ENOENT;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		if (vm_path(path, sizeof(path), name, files[i]) == 0)
			unlink(path);
	/* The log kept beside the record when $ACRN_STATE_DIR is set. */
	snprintf(log, sizeof(log), "%s.log", name);
	if (vm_path(path, sizeof(path), name, log) == 0)
		unlink(path);
	rc = vm_path(path, sizeof(path), name, NULL);
	if (rc == 0 && rmdir(path) != 0)
		rc = -errno;
	return rc;
}

static int rec_cmp(const void *a, const void *b)
{
	const struct vm_record *x = a, *y = b;

	if (x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	return strcmp(x->name, y->name);
}

int vmstore_list(struct vm_record **out, size_t *n)
{
	struct vm_record *v = NULL;
	size_t cnt = 0, cap = 0;
	struct dirent *de;
	DIR *d;

	*out = NULL;
	*n = 0;
	d = opendir(vmstore_dir());
	if (d == NULL)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d)) != NULL) {
		if (!vmstore_name_is_valid(de->d_name))
			continue;
		if (cnt == cap) {
			struct vm_record *nv;

			cap = cap ? cap * 2 : 4;
			nv = realloc(v, cap * sizeof(*v));
			if (nv == NULL) {
				free(v);
				closedir(d);
				return -ENOMEM;
			}
			v = nv;
		}
		if (vmstore_load(de->d_name, &v[cnt]) == 0)
			cnt++;
	}
	closedir(d);
	if (cnt > 0)
		qsort(v, cnt, sizeof(*v), rec_cmp);
	/* argv points into each record: fix the pointers up after realloc and qsort. */
	for (size_t i = 0; i < cnt; i++) {
		size_t off = 0;

		for (int a = 0; a < v[i].argc; a++) {
			v[i].argv[a] = v[i].argbuf + off;
			off += strlen(v[i].argbuf + off) + 1;
		}
	}
	*out = v;
	*n = cnt;
	return 0;
}

int vmstore_log_path(const char *name, char *buf, size_t len)
{
	const char *d = getenv("ACRN_LOG_DIR");
	int n, rc;

	if (d != NULL && d[0] != '\0') {
		rc = mkdir_p(d, 0755);
		n = snprintf(buf, len, "%s/%s.log", d, name);
	} else if (getenv("ACRN_STATE_DIR") != NULL && getenv("ACRN_STATE_DIR")[0] != '\0') {
		/* A private state directory keeps its logs too (tests, non-root use). */
		rc = 0;
		n = snprintf(buf, len, "%s/%s/%s.log", vmstore_dir(), name, name);
	} else {
		rc = mkdir_p(VMSTORE_DEFAULT_LOGDIR, 0755);
		n = snprintf(buf, len, "%s/%s.log", VMSTORE_DEFAULT_LOGDIR, name);
	}
	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	return rc;
}

/*
 * Start time of @p pid in clock ticks since boot (/proc/PID/stat field 22);
 * 0 if unknown or if the process is a zombie (it has exited, nobody reaped it).
 */
static unsigned long long proc_starttime(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long long v = 0;
	size_t len;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (read_file(path, buf, sizeof(buf) - 1, &len) != 0)
		return 0;
	/* The command name may hold spaces and ')': fields restart after the last ')'. */
	p = strrchr(buf, ')');
	if (p == NULL || p[1] != ' ' || p[2] == 'Z' || p[2] == 'X')
		return 0;
	for (int field = 2; field < 22 && p != NULL; field++)
		p = strchr(p + 1, ' ');
	if (p != NULL)
		v = strtoull(p + 1, NULL, 10);
	return v;
}

pid_t vmstore_launcher_alive(const char *name)
{
	char path[PATH_MAX], buf[64];
	unsigned long long st;
	size_t len;
	int pid;

	if (vm_path(path, sizeof(path), name, "launcher") != 0 ||
	    read_file(path, buf, sizeof(buf) - 1, &len) != 0 ||
	    sscanf(buf, "%d %llu", &pid, &st) != 2 || pid <= 0)
		return 0;
	/* Same pid and same start time: the very process we launched. */
	if (kill(pid, 0) != 0 && errno == ESRCH)
		return 0;
	if (st == 0 || proc_starttime(pid) != st)
		return 0;
	return pid;
}

void vmstore_launcher_clear(const char *name)
{
	char path[PATH_MAX];

	if (vm_path(path, sizeof(path), name, "launcher") == 0)
		unlink(path);
}

/* In the child: become the launch script.  Never returns. */
static void launch_child(const struct vm_record *r, int logfd)
{
	char *argv[VMSTORE_MAX_ARGS + 3];
	sigset_t none;
	int nul, i = 0;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (int s = 1; s < NSIG; s++)
		signal(s, SIG_DFL);
	setsid();
	nul = open("/dev/null", O_RDONLY);
	if (nul >= 0 && nul != 0) {
		dup2(nul, 0);
		close(nul);
	}
	dup2(logfd, 1);
	dup2(logfd, 2);
	if (logfd > 2)
		close(logfd);
	/*
	 * An executable script runs under its own #! line; one that is not
	 * executable, or has no #! line (ENOEXEC), runs under /bin/sh.
	 */
	argv[i++] = "/bin/sh";
	argv[i++] = (char *)r->script;
	for (int a = 0; a < r->argc; a++)
		argv[i++] = r->argv[a];
	argv[i] = NULL;
	if (access(r->script, X_OK) == 0) {
		execv(r->script, argv + 1);
		if (errno != ENOEXEC) {
			dprintf(2, "acrnctl: cannot run %s: %s\n", r->script, strerror(errno));
			_exit(127);
		}
	}
	execv(argv[0], argv);
	dprintf(2, "acrnctl: cannot run %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

int vmstore_launch(const struct vm_record *r, pid_t *pid)
{
	char log[PATH_MAX], path[PATH_MAX], buf[64];
	int logfd, rc, n, sync[2];
	pid_t p;

	rc = vmstore_log_path(r->name, log, sizeof(log));
	if (rc != 0)
		return rc;
	logfd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
	if (logfd < 0)
		return -errno;
	/* Closed in the child by its successful exec (or its exit): see below. */
	if (pipe2(sync, O_CLOEXEC) != 0) {
		rc = -errno;
		close(logfd);
		return rc;
	}
	p = fork();
	if (p < 0) {
		rc = -errno;
		close(logfd);
		close(sync[0]);
		close(sync[1]);
		return rc;
	}
	if (p == 0) {
		close(sync[0]);
		fcntl(logfd, F_SETFD, 0);
		launch_child(r, logfd);
	}
	close(logfd);
	close(sync[1]);
	/*
	 * Return only once the child runs the script (or gave up): then it is in its own
	 * session and is the script, not a copy of us, whatever the scheduler did.  The
	 * child writes nothing; EOF comes when its last copy of the write end goes.
	 */
	while (read(sync[0], buf, 1) < 0 && errno == EINTR)
		;
	close(sync[0]);
	*pid = p;
	n = snprintf(buf, sizeof(buf), "%d %llu\n", (int)p, proc_starttime(p));
	if (vm_path(path, sizeof(path), r->name, "launcher") == 0)
		write_file(path, buf, (size_t)n);
	return 0;
}
