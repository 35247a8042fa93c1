from tests.support import data_of

DISTRICTS = "{ districts { code name communities { name } } }"


async def test_reference_data_lists_the_seven_districts() -> None:
    data = await data_of(DISTRICTS)
    codes = [d["code"] for d in data["districts"]]
    assert codes == ["HUICHENG", "HUIYANG", "HUIDONG", "BOLUO", "LONGMEN", "DAYAWAN", "ZHONGKAI"]
    assert all(d["communities"] for d in data["districts"])
