"""django-filter's backend, with an invalid or out-of-bounds filter value answered as
the 400 problem every query parameter error is (pagination's too), naming the parameter."""

from django_filters.rest_framework import DjangoFilterBackend

from atelier.problems import QueryParameterError


class CheckedFilterBackend(DjangoFilterBackend):
    def filter_queryset(self, request, queryset, view):
        filterset = self.get_filterset(request, queryset, view)
        if filterset is None:
            return queryset
        if not filterset.is_valid():
            errors = {
                name: [str(m) for m in messages] for name, messages in filterset.errors.items()
            }
            detail = "; ".join(f"{name}: {' '.join(m)}" for name, m in errors.items())
            raise QueryParameterError(detail, errors=errors)
        return filterset.qs
