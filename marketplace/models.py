from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.fields import StreamField
from wagtail.models import Page
from wagtail.search import index

from places import divisions
from places.forms import province_choices
from places.models import ProvinceCodeField

from .blocks import BodyStreamBlock, HomeStreamBlock


class HomePage(Page):
    """The front page: hero, featured stories and calls to action for farmers and buyers."""

    intro = models.CharField(_("introduction"), max_length=250, blank=True)
    body = StreamField(HomeStreamBlock(), blank=True, verbose_name=_("content"))

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("body")]
    search_fields = [*Page.search_fields, index.SearchField("intro")]

    parent_page_types = ["wagtailcore.Page"]
    max_count = 1

    class Meta:
        verbose_name = _("home page")


class StandardPage(Page):
    """A guide or information page, e.g. "Cách đăng bán sản phẩm"."""

    intro = models.CharField(_("introduction"), max_length=250, blank=True)
    body = StreamField(BodyStreamBlock(), blank=True, verbose_name=_("content"))

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("body")]
    search_fields = [*Page.search_fields, index.SearchField("intro"), index.SearchField("body")]

    parent_page_types = ["marketplace.HomePage", "marketplace.StandardPage"]

    class Meta:
        verbose_name = _("standard page")


@register_setting(icon="cog")
class SiteSettings(BaseSiteSetting):
    platform_name = models.CharField(_("platform name"), max_length=80, default="Chợ Phiên")
    hotline = models.CharField(_("hotline"), max_length=20, default="1900 0000", blank=True)
    province_code = ProvinceCodeField(
        default="15", help_text=_("The province the platform serves first.")
    )

    panels = [
        FieldPanel("platform_name"),
        FieldPanel("hotline"),
        FieldPanel("province_code", widget=forms.Select(choices=province_choices)),
    ]

    class Meta:
        verbose_name = _("site settings")

    @property
    def province(self):
        return divisions.province(self.province_code)
