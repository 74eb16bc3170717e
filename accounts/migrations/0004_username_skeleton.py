"""Usernames' TR39 skeletons, unique from now on; existing look-alikes keep their names."""

from django.db import migrations, models

from accounts.lookalikes import skeleton


def skeletons_fill(apps, schema_editor):
    """The oldest account of each skeleton keeps it; a later look-alike (one that predates the
    rule) is left without one rather than renamed, and no new name can join them."""
    User = apps.get_model("accounts", "User")
    taken = set()
    for user in User.objects.order_by("id").only("id", "username").iterator():
        shape = skeleton(user.username)
        if shape in taken:
            continue
        taken.add(shape)
        User.objects.filter(pk=user.pk).update(username_skeleton=shape)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_user_language"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="username_skeleton",
            field=models.CharField(blank=True, editable=False, max_length=600, null=True),
        ),
        migrations.RunPython(skeletons_fill, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="user",
            constraint=models.UniqueConstraint(
                fields=("username_skeleton",), name="accounts_user_username_skeleton_unique"
            ),
        ),
    ]
