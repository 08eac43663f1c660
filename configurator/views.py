from django.shortcuts import render

from configurator.models import Product
from configurator.selectors import NoPublishedCatalogue, published_version


def product_list(request):
    try:
        version = published_version()
    except NoPublishedCatalogue:
        return render(request, "shop/empty.html", status=503)
    products = Product.objects.filter(version=version).order_by("position")
    return render(request, "shop/products.html", {"products": products, "version": version})
