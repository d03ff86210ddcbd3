/* jsoncheck.c: checks json-c leaves to its callers. */
#include <math.h>
#include <stddef.h>
#include <stdlib.h>

#include "jsoncheck.h"

int
jsoncheck_all_finite(struct json_object *obj)
{
	size_t	i, n;

	switch (json_object_get_type(obj)) {
	case json_type_double:
		return isfinite(json_object_get_double(obj));
	case json_type_array:
		n = json_object_array_length(obj);
		for (i = 0; i < n; i++)
			if (!jsoncheck_all_finite(json_object_array_get_idx(obj, i)))
				return 0;
		return 1;
	case json_type_object: {
		json_object_object_foreach(obj, key, value) {
			(void)key;
			if (!jsoncheck_all_finite(value))
				return 0;
		}
		return 1;
	}
	default:
		return 1;
	}
}

/*
 * Count the members each object of the text lists, in the order of the
 * objects' opening braces: a colon outside a string belongs to the
 * innermost open object. Return the number of objects, or -1.
 */
static long
count_members(const char *s, size_t len, size_t *counts, size_t max)
{
	size_t	stack[JSONCHECK_DEPTH_MAX];
	char	kind[JSONCHECK_DEPTH_MAX];
	size_t	i, depth = 0, n = 0;

	for (i = 0; i < len; i++) {
		switch (s[i]) {
		case '"':
			/* Skip the string, escapes included. */
			for (i++; i < len && s[i] != '"'; i++)
				if (s[i] == '\\')
					i++;
			break;
		case '{':
		case '[':
			if (depth == JSONCHECK_DEPTH_MAX || (s[i] == '{' && n == max))
				return -1;
			kind[depth] = s[i];
			if (s[i] == '{') {
				counts[n] = 0;
				stack[depth] = n++;
			}
			depth++;
			break;
		case '}':
		case ']':
			if (depth == 0)
				return -1;
			depth--;
			break;
		case ':':
			if (depth > 0 && kind[depth - 1] == '{')
				counts[stack[depth - 1]]++;
			break;
		default:
			break;
		}
	}
	return (long)n;
}

/* Walk parsed in the same order as count_members; 0 on the first object
 * with fewer members than its text lists. */
static int
match_counts(struct json_object *obj, const size_t *counts, size_t n, size_t *next)
{
	size_t	i, len;

	switch (json_object_get_type(obj)) {
	case json_type_object:
		if (*next >= n || counts[*next] != (size_t)json_object_object_length(obj))
			return 0;
		(*next)++;
		json_object_object_foreach(obj, key, value) {
			(void)key;
			if (!match_counts(value, counts, n, next))
				return 0;
		}
		return 1;
	case json_type_array:
		len = json_object_array_length(obj);
		for (i = 0; i < len; i++)
			if (!match_counts(json_object_array_get_idx(obj, i), counts, n, next))
				return 0;
		return 1;
	default:
		return 1;
	}
}

int
jsoncheck_unique_keys(const char *text, size_t len, struct json_object *parsed)
{
	size_t	max = len / 2 + 1, next = 0;
	size_t	*counts = malloc(max * sizeof(*counts));
	long	n;
	int	rc = 0;

	if (counts == NULL)
		return 0;
	n = count_members(text, len, counts, max);
	if (n >= 0)
		rc = match_counts(parsed, counts, (size_t)n, &next) && next == (size_t)n;
	free(counts);
	return rc;
}
