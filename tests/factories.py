import factory

from accounts.models import Role, User

PASSWORD = "correct horse battery staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)

    email = factory.Sequence(lambda n: f"user{n}@shop.test")
    full_name = factory.Faker("name")
    role = Role.PARTNER
    password = factory.django.Password(PASSWORD)
