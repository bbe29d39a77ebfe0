from django.db import models
from django.utils.translation import gettext_lazy as _


class AbstractTopic(models.Model):
    """A subject an app files its content under; its name exists in three languages
    (modeltranslation adds `name_es`, `name_en`, `name_pt_br` to each concrete model)."""

    slug = models.SlugField(unique=True)
    name = models.CharField(_("name"), max_length=120)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    # modeltranslation swaps the manager class at start-up, which the stubs cannot follow.
    objects = models.Manager()  # type: ignore[django-manager-missing]

    class Meta:
        abstract = True
        ordering = ["order", "name"]
        verbose_name = _("topic")
        verbose_name_plural = _("topics")

    def __str__(self) -> str:
        return self.name
