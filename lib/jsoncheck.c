/* jsoncheck.c: checks json-c leaves to its callers. */
#include <math.h>
#include <stddef.h>

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
