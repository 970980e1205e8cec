"""StreamField blocks shared by the site's pages."""

from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.images.blocks import ImageChooserBlock


class LinkBlock(blocks.StructBlock):
    """A link to a page of the site or to any address; the page wins when both are given."""

    text = blocks.CharBlock(label=_("Button text"), max_length=60)
    page = blocks.PageChooserBlock(label=_("Page"), required=False)
    url = blocks.CharBlock(label=_("Or an address"), required=False, max_length=300)

    class Meta:
        icon = "link"
        label = _("Link")


class HeroBlock(blocks.StructBlock):
    heading = blocks.CharBlock(label=_("Heading"), max_length=120)
    text = blocks.TextBlock(label=_("Text"), required=False, max_length=400)
    image = ImageChooserBlock(label=_("Image"), required=False)
    link = LinkBlock(label=_("Button"), required=False)

    class Meta:
        icon = "pick"
        label = _("Hero")
        template = "blocks/hero.html"


class StoryBlock(blocks.StructBlock):
    title = blocks.CharBlock(label=_("Title"), max_length=120)
    text = blocks.TextBlock(label=_("Text"), max_length=600)
    image = ImageChooserBlock(label=_("Image"), required=False)
    page = blocks.PageChooserBlock(label=_("Read more"), required=False)

    class Meta:
        icon = "doc-full"
        label = _("Story")


class FeaturedStoriesBlock(blocks.StructBlock):
    heading = blocks.CharBlock(label=_("Heading"), max_length=120)
    stories = blocks.ListBlock(StoryBlock(), label=_("Stories"), max_num=6)

    class Meta:
        icon = "list-ul"
        label = _("Featured stories")
        template = "blocks/featured_stories.html"


class CallToActionBlock(blocks.StructBlock):
    AUDIENCES = [("farmer", _("Farmers")), ("buyer", _("Buyers"))]

    audience = blocks.ChoiceBlock(label=_("For"), choices=AUDIENCES)
    title = blocks.CharBlock(label=_("Title"), max_length=120)
    text = blocks.TextBlock(label=_("Text"), required=False, max_length=400)
    link = LinkBlock(label=_("Button"))

    class Meta:
        icon = "pick"
        label = _("Call to action")
        template = "blocks/call_to_action.html"


class HomeStreamBlock(blocks.StreamBlock):
    hero = HeroBlock()
    featured_stories = FeaturedStoriesBlock()
    call_to_action = CallToActionBlock()
    paragraph = blocks.RichTextBlock(
        label=_("Paragraph"), features=["bold", "italic", "link", "ol", "ul", "h2", "h3"]
    )


class BodyStreamBlock(blocks.StreamBlock):
    heading = blocks.CharBlock(label=_("Heading"), max_length=120, template="blocks/heading.html")
    paragraph = blocks.RichTextBlock(
        label=_("Paragraph"), features=["bold", "italic", "link", "ol", "ul", "h3"]
    )
    image = ImageChooserBlock(label=_("Image"), template="blocks/image.html")
    call_to_action = CallToActionBlock()
