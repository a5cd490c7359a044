import pytest

from cityviz import config
from cityviz.services.accounts import passwords
from cityviz.services.errors import InvalidInput


def test_length_limits_in_french():
    with pytest.raises(InvalidInput, match="au moins 12 caractères"):
        passwords.check_password_rules("court")
    with pytest.raises(InvalidInput, match="dépasser 64 caractères"):
        passwords.check_password_rules("a b c d " * 9)
    passwords.check_password_rules("x" * 3 + "un mot de passe")  # 18 characters: fine


def test_more_than_72_bytes_is_explained_not_truncated():
    # 40 characters but 80 bytes in UTF-8.
    accented = "é" * 40
    assert len(accented) <= passwords.MAX_LENGTH
    with pytest.raises(InvalidInput, match="72 octets"):
        passwords.check_password_rules(accented)
    assert passwords.verify_password(accented, passwords.hash_password("abcdefghijklmnop")) is False


@pytest.mark.parametrize("common", ["azertyuiop123", "motdepasse2024!", "qwerty123456", "aaaaaaaaaaaaaaaa",
                                    "PASSWORD12345"])
def test_common_or_trivial_passwords_are_refused(common):
    with pytest.raises(InvalidInput, match="trop courant"):
        passwords.check_password_rules(common)


def test_password_equal_to_email_is_refused():
    with pytest.raises(InvalidInput):
        passwords.check_password_rules("camille.martin.1984", email="camille.martin.1984@example.org")


def test_no_composition_rules():
    passwords.check_password_rules("le chat dort sur le canapé")


def test_hash_roundtrip_and_default_cost(monkeypatch):
    hashed = passwords.hash_password("le chat dort sur le canapé")
    assert passwords.verify_password("le chat dort sur le canapé", hashed)
    assert not passwords.verify_password("le chien dort sur le canapé", hashed)
    monkeypatch.delenv("CITYVIZ_BCRYPT_ROUNDS")
    assert config.load().bcrypt_rounds == 12


def test_tokens_are_long_random_and_hashed():
    a, b = passwords.new_token(), passwords.new_token()
    assert a != b and len(a) >= 43  # 256 bits in base64url
    assert passwords.token_hash(a) != a and len(passwords.token_hash(a)) == 64
    temporary = passwords.new_temporary_password()
    assert len(temporary.replace("-", "")) == 16
